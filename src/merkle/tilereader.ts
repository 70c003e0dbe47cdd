/**
 * Hash readers over C2SP tlog-tiles (https://c2sp.org/tlog-tiles) that trust nothing but a tree head:
 * a client with a verified checkpoint (size, root) fetches tiles from any untrusted server or cache and
 * reads stored hashes (stored.ts) from them, so every proof generator here (treeHash, proveInclusion,
 * proveConsistency, storedHashesForRecord) runs client-side on tiles. The design follows Go's
 * sumdb/tlog TileHashReader; the code is our own.
 *
 * Authentication, on every readHashes call, before any hash is returned:
 *   1. the tiles holding the tree's perfect subtrees (the right border; always partial tiles, all of
 *      whose hashes enter the root) must reproduce the trusted root (RFC 9162 §2.1.1);
 *   2. every other tile used is full, and its root must equal its entry in its parent tile, which was
 *      authenticated first (parents are fetched before, and checked before, their children).
 * A tile server that lies is caught with the probability of a SHA-256 collision; its errors are
 * StamplogErrors: MALFORMED (tile of the wrong length), PROOF_MISMATCH / RootMismatchError (tile
 * contents contradict the root), NOT_FOUND (index beyond the tree). Fetch errors propagate unchanged.
 *
 * `readTile(tile)` must return exactly tile.width·32 bytes; it may serve a partial tile from the prefix
 * of the full tile that replaced it (tlog-tiles allows deleting partial tiles), and should cache: each
 * readHashes call asks for the right-border tiles again. Limits: tree sizes ≤ 2^52; one call fetches each
 * tile it needs once: at most 7 border tiles plus 6 per requested index.
 */
import { RootMismatchError, StamplogError } from '../base/index.ts';
import { checkHash, checkTreeSize, checkUint } from './check.ts';
import { hashEqual, nodeHash, type Hash } from './hash.ts';
import { storedHashCount, storedIndexUnchecked, type AsyncHashReader, type HashReader } from './stored.ts';
import {
  TILE_HEIGHT,
  TILE_WIDTH,
  fullTileRoot,
  hashFromTile,
  locateStoredHash,
  tileAncestor,
  type Tile,
} from './tiles.ts';
import { treeHashIndexes } from './tree.ts';

/** A tree head the reader trusts (from a verified checkpoint): `size` leaves with root `root`. */
export interface TreeHead {
  readonly size: number;
  readonly root: Hash;
}

/** Returns the contents of `tile` (tile.width·32 bytes), e.g. read from disk. */
export type TileFetcher = (tile: Tile) => Uint8Array;

/** Returns the contents of `tile` (tile.width·32 bytes), e.g. fetched over HTTP. */
export type AsyncTileFetcher = (tile: Tile) => Promise<Uint8Array>;

/** Which tiles one readHashes call needs, in fetch-and-check order (parents before children). */
interface TilePlan {
  readonly tiles: Tile[];
  /** The tree's perfect subtrees (treeHashIndexes) and the position of the tile holding each. */
  readonly borderIndexes: number[];
  readonly borderTile: number[];
  /** Tiles before this position are checked against the root, the rest against their parent. */
  readonly borderTiles: number;
  /** parent[i]: position of tiles[i]'s parent, for i ≥ borderTiles. */
  readonly parent: number[];
  /** indexTile[j]: position of the tile holding indexes[j]. */
  readonly indexTile: number[];
}

function key(t: Tile): string {
  return `${t.level}/${t.index}/${t.width}`;
}

function internal(message: string): StamplogError {
  return new StamplogError('INTERNAL', `tile reader: ${message}`);
}

function checkTree(tree: TreeHead): void {
  if (typeof tree !== 'object' || tree === null) throw new StamplogError('MALFORMED', 'tree head must be an object');
  checkTreeSize('tree.size', tree.size);
  checkHash('tree.root', tree.root);
}

function planTiles(size: number, indexes: readonly number[]): TilePlan {
  const tiles: Tile[] = [];
  const position = new Map<string, number>();
  const add = (t: Tile): number => {
    position.set(key(t), tiles.length);
    tiles.push(t);
    return tiles.length - 1;
  };
  const borderIndexes = treeHashIndexes(size);
  const borderTile = borderIndexes.map((x) => {
    const t = tileAncestor(locateStoredHash(x).tile, 0, size);
    if (t === undefined) throw internal('lost a border tile');
    return position.get(key(t)) ?? add(t);
  });
  const borderTiles = tiles.length;
  const parent: number[] = [];
  const limit = storedHashCount(size);
  const indexTile = indexes.map((x) => {
    checkUint('index', x);
    if (x >= limit) throw new StamplogError('NOT_FOUND', 'stored hash index beyond the tree', { details: { index: x, size } });
    const base = locateStoredHash(x).tile;
    // Climb until a tile already planned (at worst the top border tile), then plan the way back down.
    let k = 0;
    let found: number | undefined;
    for (; found === undefined; k++) {
      const t = tileAncestor(base, k, size);
      if (t === undefined || k > 64 / TILE_HEIGHT) throw internal('no planned ancestor tile');
      found = position.get(key(t));
    }
    for (k -= 2; k >= 0; k--) {
      const t = tileAncestor(base, k, size);
      // A tile with a parent is full: partial tiles are all on the right border.
      if (t === undefined || t.width !== TILE_WIDTH) throw internal('expected a full tile');
      const at = add(t);
      parent[at] = found;
      found = at;
    }
    return found;
  });
  return { tiles, borderIndexes, borderTile, borderTiles, parent, indexTile };
}

function hashesFromTiles(tree: TreeHead, indexes: readonly number[], plan: TilePlan, data: readonly unknown[]): Hash[] {
  const { tiles } = plan;
  if (data.length !== tiles.length) throw internal('fetched tile count differs');
  const contents: Uint8Array[] = [];
  for (let i = 0; i < tiles.length; i++) {
    const d = data[i];
    if (!(d instanceof Uint8Array) || d.length !== tiles[i].width * 32) {
      throw new StamplogError('MALFORMED', 'fetched tile has the wrong length', {
        details: { level: tiles[i].level, index: tiles[i].index, width: tiles[i].width },
      });
    }
    contents.push(d);
  }
  // 1. The border tiles must give the trusted root (RFC 6962 §2.1: fold the perfect subtrees right to left).
  const b = plan.borderIndexes;
  if (b.length > 0) {
    const at = (i: number): Hash => hashFromTile(tiles[plan.borderTile[i]], contents[plan.borderTile[i]], b[i]);
    let root = at(b.length - 1);
    for (let i = b.length - 2; i >= 0; i--) root = nodeHash(at(i), root);
    if (!hashEqual(root, tree.root)) throw new RootMismatchError('tiles', tree.root, root);
  }
  // 2. Every other tile must match its entry in its (already authenticated) parent.
  for (let i = plan.borderTiles; i < tiles.length; i++) {
    const p = plan.parent[i];
    const t = tiles[i];
    const want = hashFromTile(tiles[p], contents[p], storedIndexUnchecked(TILE_HEIGHT * (t.level + 1), t.index));
    if (!hashEqual(fullTileRoot(contents[i]), want)) {
      throw new StamplogError('PROOF_MISMATCH', 'tile does not match its parent tile', {
        details: { level: t.level, index: t.index },
      });
    }
  }
  return indexes.map((x, j) => hashFromTile(tiles[plan.indexTile[j]], contents[plan.indexTile[j]], x));
}

function checkIndexes(indexes: unknown): asserts indexes is readonly number[] {
  if (!Array.isArray(indexes)) throw new StamplogError('MALFORMED', 'indexes must be an array');
}

/**
 * Returns a HashReader serving the stored hashes of the tree `tree` from tiles returned by `readTile`,
 * authenticating every tile against tree.root before returning any hash.
 */
export function tileHashReader(tree: TreeHead, readTile: TileFetcher): HashReader {
  checkTree(tree);
  const head: TreeHead = { size: tree.size, root: tree.root.slice() };
  return {
    readHashes(indexes: readonly number[]): Hash[] {
      checkIndexes(indexes);
      if (indexes.length === 0) return [];
      const plan = planTiles(head.size, indexes);
      return hashesFromTiles(head, indexes, plan, plan.tiles.map((t) => readTile(t)));
    },
  };
}

/** Like tileHashReader, fetching each needed tile once, in parallel, with the asynchronous `readTile`. */
export function tileHashReaderAsync(tree: TreeHead, readTile: AsyncTileFetcher): AsyncHashReader {
  checkTree(tree);
  const head: TreeHead = { size: tree.size, root: tree.root.slice() };
  return {
    async readHashes(indexes: readonly number[]): Promise<Hash[]> {
      checkIndexes(indexes);
      if (indexes.length === 0) return [];
      const plan = planTiles(head.size, indexes);
      const data = await Promise.all(plan.tiles.map((t) => readTile(t)));
      return hashesFromTiles(head, indexes, plan, data);
    },
  };
}
