/**
 * C2SP tlog-tiles (https://c2sp.org/tlog-tiles) maths: which tiles a tree has, their paths, their
 * contents, and where each stored hash (stored.ts) lives in them. Same tile model as Go's sumdb/tlog
 * with the C2SP height of 8.
 *
 * A tile at level L, index N holds up to 256 consecutive hashes of tree level 8·L, covering hashes
 * N·256 … N·256 + width − 1 of that level; at level 0 these are leaf hashes, at level L > 0 each is the
 * root of one full tile of level L − 1. The hashes of tree levels 8L+1 … 8L+7 are not stored in tiles:
 * they are recomputed from the tile's hashes. A tree of size s has, at each level L, floor(s / 256^(L+1))
 * full tiles (width 256) and, when w = floor(s / 256^L) mod 256 > 0, one partial tile of width w.
 *
 * Paths (tlog-tiles "Merkle Tree" and "Log entries"), relative to the log prefix:
 *   tile/<L>/<N>[.p/<W>]        L decimal 0..63, no leading zeros; W decimal 1..255, no leading zeros
 *   tile/entries/<N>[.p/<W>]    the entry bundle whose leaves hash to tile 0/<N>[.p/<W>]
 * N in zero-padded 3-digit groups, "x" before all but the last: 1234067 → x001/x234/067, 5 → 005.
 * Parsing is strict: exactly the bytes `tilePath` would produce (no leading zero group such as
 * x000/005, no "x" on the last group, no "/", "..", "." elsewhere), index a safe integer (≤ 6 groups).
 * Limits: tile contents and hash locations need tree sizes ≤ 2^52 (see stored.ts); `newTiles` refuses to
 * list more than `maxTiles` (default 2^20) tiles at once, so hostile sizes cannot exhaust memory.
 */
import { StamplogError, malformed } from '../base/index.ts';
import { shr } from './bits.ts';
import { MAX_TREE_SIZE, checkBytes, checkHashList, checkReadHashes, checkUint } from './check.ts';
import { HASH_SIZE, nodeHashInto, type Hash } from './hash.ts';
import { splitStoredHashIndex, storedIndexUnchecked, type AsyncHashReader, type HashReader } from './stored.ts';

/** Tree levels per tile (C2SP tlog-tiles: tiles of height 8). */
export const TILE_HEIGHT = 8;
/** Hashes in a full tile (2^TILE_HEIGHT); a full tile is 8,192 bytes. */
export const TILE_WIDTH = 256;
/** Largest tile level a path may name (tlog-tiles: L between 0 and 63). */
export const MAX_TILE_LEVEL = 63;
/** Default cap on the number of tiles `newTiles` lists in one call. */
export const MAX_TILES_PER_CALL = 2 ** 20;

/** One tile: `width` (1..256) hashes of tree level 8·`level`, starting at hash `index`·256 of that level. */
export interface Tile {
  readonly level: number;
  readonly index: number;
  readonly width: number;
}

/** What a tile path names: a hash tile, or the entry bundle of level-0 tile `tile` (then tile.level = 0). */
export interface ParsedTilePath {
  readonly kind: 'hashes' | 'entries';
  readonly tile: Tile;
}

/** Throws MALFORMED unless `tile` is a Tile with level 0..63, a safe integer index and width 1..256. */
export function checkTile(tile: unknown): asserts tile is Tile {
  if (typeof tile !== 'object' || tile === null) throw malformed('tile must be an object');
  const t = tile as Record<string, unknown>;
  checkUint('tile.level', t.level);
  checkUint('tile.index', t.index);
  checkUint('tile.width', t.width);
  if (t.level > MAX_TILE_LEVEL) throw malformed('tile level must be at most 63', { level: t.level });
  if (t.width < 1 || t.width > TILE_WIDTH) throw malformed('tile width must be 1..256', { width: t.width });
}

function encodeIndex(n: number): string {
  // tlog-tiles: N in zero-padded 3-digit path elements, all but the last prefixed with "x".
  let digits = String(n);
  digits = '0'.repeat((3 - (digits.length % 3)) % 3) + digits;
  const groups: string[] = [];
  for (let i = 0; i < digits.length; i += 3) groups.push(digits.slice(i, i + 3));
  return groups.map((g, i) => (i < groups.length - 1 ? 'x' + g : g)).join('/');
}

function suffix(width: number): string {
  // tlog-tiles: the .p/<W> suffix only for partial tiles.
  return width === TILE_WIDTH ? '' : `.p/${width}`;
}

/** Returns the tlog-tiles path of `tile`, e.g. {level 0, index 1234067, width 5} → "tile/0/x001/x234/067.p/5". */
export function tilePath(tile: Tile): string {
  checkTile(tile);
  return `tile/${tile.level}/${encodeIndex(tile.index)}${suffix(tile.width)}`;
}

/** Returns the tlog-tiles path of the entry bundle for level-0 tile `tile`, e.g. "tile/entries/x001/x234/067". */
export function entryBundlePath(tile: Tile): string {
  checkTile(tile);
  if (tile.level !== 0) throw malformed('entry bundles correspond to level-0 tiles', { level: tile.level });
  return `tile/entries/${encodeIndex(tile.index)}${suffix(tile.width)}`;
}

// At most 6 groups: 18 digits hold every safe integer (16 digits).
const TILE_PATH = /^tile\/(entries|0|[1-9][0-9]?)\/((?:x[0-9]{3}\/){0,5}[0-9]{3})(?:\.p\/([1-9][0-9]{0,2}))?$/;
const MAX_PATH_LENGTH = 64;

/**
 * Parses a tlog-tiles path relative to the log prefix ("tile/…") into what it names; throws MALFORMED
 * for anything `tilePath`/`entryBundlePath` would not produce byte for byte.
 */
export function parseTilePath(path: string): ParsedTilePath {
  if (typeof path !== 'string' || path.length > MAX_PATH_LENGTH) throw malformed('not a tile path');
  const m = TILE_PATH.exec(path);
  if (m === null) throw malformed('not a tile path', { path: path });
  const [, levelText, indexText, widthText] = m;
  const groups = indexText.split('/');
  // Canonical: no all-zero leading group (x000/005 is 005).
  if (groups.length > 1 && groups[0] === 'x000') throw malformed('tile index has a leading zero group', { path });
  const index = Number(groups.map((g) => (g[0] === 'x' ? g.slice(1) : g)).join(''));
  if (!Number.isSafeInteger(index)) throw malformed('tile index is too large', { path });
  const level = levelText === 'entries' ? 0 : Number(levelText);
  if (level > MAX_TILE_LEVEL) throw malformed('tile level must be at most 63', { path });
  const width = widthText === undefined ? TILE_WIDTH : Number(widthText);
  // tlog-tiles: W between 1 and 255 (a full tile has no suffix).
  if (widthText !== undefined && width >= TILE_WIDTH) throw malformed('partial tile width must be 1..255', { path });
  return { kind: levelText === 'entries' ? 'entries' : 'hashes', tile: { level, index, width } };
}

/** Returns 256^level (exact for the levels a tree of ≤ 2^53 leaves has; Infinity-safe above). */
function tileSpan(level: number): number {
  return 2 ** (TILE_HEIGHT * level);
}

/**
 * Returns the tiles that differ between a tree of `oldSize` leaves and one of `newSize` leaves (the
 * tiles to write or fetch after growing), lowest level first, increasing index within a level; throws
 * TOO_LARGE if there are more than `maxTiles`.
 */
export function newTiles(oldSize: number, newSize: number, maxTiles: number = MAX_TILES_PER_CALL): Tile[] {
  checkUint('oldSize', oldSize);
  checkUint('newSize', newSize);
  checkUint('maxTiles', maxTiles);
  if (oldSize > newSize) throw malformed('oldSize must not exceed newSize', { oldSize, newSize });
  // Count first: a hostile size must not allocate anything.
  let count = 0;
  for (let level = 0; Math.floor(newSize / tileSpan(level)) > 0; level++) {
    const oldN = Math.floor(oldSize / tileSpan(level));
    const newN = Math.floor(newSize / tileSpan(level));
    if (oldN === newN) continue;
    count += Math.floor(newN / TILE_WIDTH) - Math.floor(oldN / TILE_WIDTH) + (newN % TILE_WIDTH > 0 ? 1 : 0);
  }
  if (count > maxTiles) throw new StamplogError('TOO_LARGE', `${count} tiles exceed the limit of ${maxTiles}`);
  const tiles: Tile[] = [];
  for (let level = 0; Math.floor(newSize / tileSpan(level)) > 0; level++) {
    // Hashes of tree level 8·level that exist in each tree.
    const oldN = Math.floor(oldSize / tileSpan(level));
    const newN = Math.floor(newSize / tileSpan(level));
    if (oldN === newN) continue;
    // Every full tile from the one that held oldN's partial (now full or grown) up to newN's.
    const lastFull = Math.floor(newN / TILE_WIDTH);
    for (let n = Math.floor(oldN / TILE_WIDTH); n < lastFull; n++) tiles.push({ level, index: n, width: TILE_WIDTH });
    const width = newN % TILE_WIDTH;
    if (width > 0) tiles.push({ level, index: lastFull, width });
  }
  return tiles;
}

/** Returns every tile (full and partial) of the tree of `size` leaves; throws TOO_LARGE beyond `maxTiles`. */
export function tilesForSize(size: number, maxTiles: number = MAX_TILES_PER_CALL): Tile[] {
  return newTiles(0, size, maxTiles);
}

/** Where a stored hash lives: the narrowest tile holding it and the byte range of the tile it is computed from. */
export interface HashLocation {
  readonly tile: Tile;
  readonly start: number;
  readonly end: number;
}

/** Returns the narrowest tile holding the hash at stored-hash index `storedIndex` and the byte range of its contents it is computed from. */
export function locateStoredHash(storedIndex: number): HashLocation {
  const { level, index: n } = splitStoredHashIndex(storedIndex);
  if ((n + 1) * 2 ** level > MAX_TREE_SIZE) {
    throw malformed('stored hash lies beyond the largest supported tree size 2^52', { storedIndex });
  }
  const tileLevel = Math.floor(level / TILE_HEIGHT);
  const rel = level - TILE_HEIGHT * tileLevel; // levels above the tile's own hashes
  // The hash covers tile hashes [n·2^rel, (n+1)·2^rel) of tree level 8·tileLevel.
  const first = n * 2 ** rel;
  const tileIndex = Math.floor(first / TILE_WIDTH);
  const pos = first - tileIndex * TILE_WIDTH;
  const width = pos + 2 ** rel;
  return { tile: { level: tileLevel, index: tileIndex, width }, start: pos * HASH_SIZE, end: width * HASH_SIZE };
}

/**
 * Returns the narrowest tile holding the stored hash at stored-hash index `storedIndex`: the hash is
 * one of the tile's own hashes or is computed from a power-of-two run of them (see hashFromTile).
 */
export function tileForStoredHash(storedIndex: number): Tile {
  return locateStoredHash(storedIndex).tile;
}

/**
 * Folds the `count` (a power of two, the caller's guarantee) consecutive hashes h[0..32·count) into the root of
 * their perfect subtree, pairwise level by level (RFC 6962 §2.1), in place: the root ends up in h[0..32) and the
 * rest of those bytes are overwritten.
 */
export function foldPerfectInPlace(h: Uint8Array, count: number): void {
  for (let n = count; n > 1; n /= 2) {
    // Node i of the next level goes where no unread hash of this level still is.
    for (let i = 0; i < n / 2; i++) nodeHashInto(h, 2 * i * HASH_SIZE, h, (2 * i + 1) * HASH_SIZE, h, i * HASH_SIZE);
  }
}

/** Returns the Merkle root of the 2^k hashes in data[start, end) (a perfect subtree above them). */
function subtreeRoot(data: Uint8Array, start: number, end: number): Hash {
  // A copy, whatever `data` is: on a Node Buffer `slice` is a view, and hashing in place would overwrite it.
  const tmp = new Uint8Array(data.subarray(start, end));
  foldPerfectInPlace(tmp, (end - start) / HASH_SIZE);
  return tmp.slice(0, HASH_SIZE);
}

/** Returns the root of a full tile's 256 hashes: the tile's hash in the tile above (its level + 1 entry). */
export function fullTileRoot(data: Uint8Array): Hash {
  checkBytes('data', data);
  if (data.length !== TILE_WIDTH * HASH_SIZE) throw malformed('a full tile has 8,192 bytes', { length: data.length });
  return subtreeRoot(data, 0, data.length);
}

/**
 * Returns the stored hash at stored-hash index `storedIndex` from `data`, the contents of `tile`;
 * throws MALFORMED if data is not tile.width·32 bytes or the hash is not in that tile.
 */
export function hashFromTile(tile: Tile, data: Uint8Array, storedIndex: number): Hash {
  checkTile(tile);
  checkBytes('data', data);
  if (data.length !== tile.width * HASH_SIZE) {
    throw malformed('tile data must be width·32 bytes', { width: tile.width, length: data.length });
  }
  const loc = locateStoredHash(storedIndex);
  if (loc.tile.level !== tile.level || loc.tile.index !== tile.index || loc.tile.width > tile.width) {
    throw malformed('stored hash is not in this tile', { storedIndex, level: tile.level, index: tile.index });
  }
  return subtreeRoot(data, loc.start, loc.end);
}

/** Returns the stored-hash indexes of the hashes that make up `tile`, in tile order (for tileDataFromHashes). */
export function tileDataIndexes(tile: Tile): number[] {
  checkTile(tile);
  const level = TILE_HEIGHT * tile.level;
  const first = tile.index * TILE_WIDTH;
  if ((first + tile.width) * 2 ** level > MAX_TREE_SIZE) {
    throw malformed('tile lies beyond the largest supported tree size 2^52', { level: tile.level, index: tile.index });
  }
  const out = new Array<number>(tile.width);
  for (let i = 0; i < tile.width; i++) out[i] = storedIndexUnchecked(level, first + i);
  return out;
}

/** Returns the contents of `tile` (width·32 bytes) from `hashes`, the stored hashes at tileDataIndexes(tile). */
export function tileDataFromHashes(tile: Tile, hashes: readonly Hash[]): Uint8Array {
  const n = tileDataIndexes(tile).length;
  checkHashList('tile data', n, hashes);
  const out = new Uint8Array(n * HASH_SIZE);
  for (let i = 0; i < n; i++) out.set(hashes[i], i * HASH_SIZE);
  return out;
}

/** Returns the contents of `tile`, reading its hashes from `reader` in one call. */
export function tileData(tile: Tile, reader: HashReader): Uint8Array {
  const indexes = tileDataIndexes(tile);
  const hashes = reader.readHashes(indexes);
  checkReadHashes(indexes.length, hashes);
  return tileDataFromHashes(tile, hashes);
}

/** Like tileData, reading from the asynchronous `reader`. */
export async function tileDataAsync(tile: Tile, reader: AsyncHashReader): Promise<Uint8Array> {
  const indexes = tileDataIndexes(tile);
  const hashes = await reader.readHashes(indexes);
  checkReadHashes(indexes.length, hashes);
  return tileDataFromHashes(tile, hashes);
}

/**
 * Returns the `k`-th ancestor of `tile` as it exists in the tree of `size` leaves (width clamped to what
 * that tree holds), or undefined when that tree has no such tile. Internal to the tile readers.
 */
export function tileAncestor(tile: Tile, k: number, size: number): Tile | undefined {
  const level = tile.level + k;
  const index = Math.floor(tile.index / tileSpan(k));
  // Hashes of tree level 8·level in the tree of `size` leaves.
  const have = shr(size, TILE_HEIGHT * level);
  const first = index * TILE_WIDTH;
  if (first >= have) return undefined;
  return { level, index, width: Math.min(TILE_WIDTH, have - first) };
}
