/**
 * Glue between the sequencer's in-memory tree and the store's hash tiles: which tiles a batch changes, and
 * how to recompute hashes and roots from what the store actually holds (for verify-before-sign).
 */
import { StamplogError } from '../base/index.ts';
import type { Hash, MemoryTree, AsyncHashReader, Tile } from '../merkle/index.ts';
import {
  HASH_SIZE,
  hashEqual,
  leafHash,
  hashFromTile,
  locateStoredHash,
  newTiles,
  tileData,
  TILE_WIDTH,
  treeHashAsync,
} from '../merkle/index.ts';
import { toHex } from '../leaf/index.ts';
import type { LogStore, TileWrite } from '../store/index.ts';

/** The sequencer's working tree: the persisted tree plus, during a batch, the batch's leaves. */
export type WorkingTree = MemoryTree;

/** The hash tiles whose contents differ between the trees of `fromSize` and `toSize`, read from `tree`. */
export function changedTiles(tree: WorkingTree, fromSize: number, toSize: number): TileWrite[] {
  if (toSize <= fromSize) return [];
  return newTiles(fromSize, toSize).map((t) => ({ level: t.level, index: t.index, data: tileData(t, tree) }));
}

/**
 * An AsyncHashReader over the tiles in `store`: each stored hash is recomputed from the tile that holds it
 * (one store read per distinct tile). Throws CORRUPTION when a needed tile is missing or too narrow.
 */
export function storeHashReader(store: LogStore): AsyncHashReader {
  return {
    async readHashes(indexes: readonly number[]): Promise<Hash[]> {
      const locations = indexes.map(locateStoredHash);
      const tiles = new Map<string, Promise<Uint8Array | undefined>>();
      for (const { tile } of locations) {
        const key = `${tile.level}/${tile.index}`;
        if (!tiles.has(key)) tiles.set(key, store.readTile(tile.level, tile.index));
      }
      const out: Hash[] = [];
      for (let i = 0; i < indexes.length; i++) {
        const { tile } = locations[i];
        const data = await tiles.get(`${tile.level}/${tile.index}`);
        if (data === undefined || data.length % HASH_SIZE !== 0 || data.length / HASH_SIZE < tile.width || data.length > TILE_WIDTH * HASH_SIZE) {
          throw new StamplogError('CORRUPTION', `stored tile ${tile.level}/${tile.index} is missing or has a bad length`);
        }
        out.push(hashFromTile({ level: tile.level, index: tile.index, width: data.length / HASH_SIZE }, data, indexes[i]));
      }
      return out;
    },
  };
}

/** The RFC 6962 root of the tree of `size` leaves, computed only from the tiles in `store`. */
export function rootFromStoredTiles(store: LogStore, size: number): Promise<Hash> {
  return treeHashAsync(size, storeHashReader(store));
}

/** The leaves whose hashes hash position `pos` of a tile at `level`, index `index` covers, e.g. "leaf 5". */
function coveredLeaves(level: number, index: number, pos: number): string {
  const span = TILE_WIDTH ** level;
  const first = (index * TILE_WIDTH + pos) * span;
  return span === 1 ? `leaf ${first}` : `the subtree of leaves ${first}…${first + span - 1}`;
}

/**
 * Why the stored bytes of `tile` (undefined when missing) do not start with `expected` (the tile recomputed
 * from the leaves), or undefined if they do. With `exact`, the stored tile must also be no wider. The message
 * names the tile, the first differing hash and the leaves it covers, so an operator knows where to look.
 */
export function tileMismatch(tile: Tile, stored: Uint8Array | undefined, expected: Uint8Array, exact: boolean): string | undefined {
  const name = `stored hash tile ${tile.level}/${tile.index}`;
  if (stored === undefined) return `${name} is missing`;
  if (stored.length < expected.length || (exact && stored.length !== expected.length) || stored.length % HASH_SIZE !== 0) {
    return `${name} holds ${stored.length} bytes where ${expected.length} were expected`;
  }
  for (let i = 0; i < expected.length; i++) {
    if (stored[i] !== expected[i]) {
      const pos = Math.floor(i / HASH_SIZE);
      return `hash ${pos} of ${name} (${coveredLeaves(tile.level, tile.index, pos)}) differs from the hash recomputed from the leaves`;
    }
  }
  return undefined;
}

/** How many hashes the tree of `size` leaves holds in `tile`'s position (at most a full tile). */
function tileCapacity(tile: Tile, size: number): number {
  return Math.min(TILE_WIDTH, Math.floor(size / TILE_WIDTH ** tile.level) - tile.index * TILE_WIDTH);
}

/**
 * Verify-before-sign for the batch that grew the tree from `fromSize` to `toSize` (DESIGN §4 step 4): reads
 * back every leaf of the batch and every hash tile it wrote, and requires them to equal what the in-memory
 * `tree` holds; then recomputes the root from the stored tiles alone. Right-border tiles are rewritten whole
 * by each batch, so the read-back also covers hashes of earlier batches that were written again. Throws
 * CORRUPTION naming the first mismatch.
 */
export async function verifyPersistedBatch(store: LogStore, tree: WorkingTree, fromSize: number, toSize: number): Promise<void> {
  // All reads at once: they are independent, and each is a round trip to LevelDB's thread pool.
  const tiles = newTiles(fromSize, toSize);
  const [leaves, stored, persistedRoot] = await Promise.all([
    store.readLeaves(fromSize, toSize - fromSize),
    Promise.all(tiles.map((t) => store.readTile(t.level, t.index))),
    rootFromStoredTiles(store, toSize),
  ]);
  leaves.forEach((leaf, i) => {
    if (!hashEqual(leafHash(leaf), tree.leafHash(fromSize + i))) {
      throw new StamplogError('CORRUPTION', `persisted leaf ${fromSize + i} differs from the leaf sequenced for it; refusing to sign`);
    }
  });
  tiles.forEach((tile, i) => {
    // A batch committed after this one (the sequencer pipelines) may have widened a right-border tile: a
    // stored tile must equal the in-memory tree at its stored width, which is at least this batch's width.
    const storedWidth = stored[i] === undefined ? 0 : Math.floor((stored[i] as Uint8Array).length / HASH_SIZE);
    const width = storedWidth > tile.width && storedWidth <= tileCapacity(tile, tree.size) ? storedWidth : tile.width;
    const why = tileMismatch(tile, stored[i], tileData({ ...tile, width }, tree), true);
    if (why !== undefined) throw new StamplogError('CORRUPTION', `after committing leaves ${fromSize}…${toSize - 1}: ${why}; refusing to sign`);
  });
  const memoryRoot = tree.rootAt(toSize);
  if (!hashEqual(persistedRoot, memoryRoot)) {
    throw new StamplogError(
      'CORRUPTION',
      `root recomputed from storage at size ${toSize} (${toHex(persistedRoot)}) differs from the in-memory root (${toHex(memoryRoot)}); refusing to sign`,
    );
  }
}
