/**
 * C2SP tlog-tiles entry bundles (https://c2sp.org/tlog-tiles, "Log entries"): the leaves of one
 * level-0 tile, served at tile/entries/<N>[.p/<W>].
 *
 * Wire format: the concatenation, for each leaf in index order, of its length as a big-endian uint16
 * and its bytes:
 *   00 05 'h' 'e' 'l' 'l' 'o'  00 00  00 01 'x'      (three leaves: "hello", "", "x")
 * So a leaf is at most 65,535 bytes (DESIGN §2) and a bundle holds 1..256 leaves (one per hash of its
 * tile); leaf i of bundle N hashes (RFC 6962 §2.1) to hash i of tile 0/N.
 * Decoding is strict: every byte belongs to exactly one length-prefixed leaf (a cut-off length or leaf
 * is MALFORMED), and given the width the path promises, the leaf count must match exactly, which also
 * rejects whole extra leaves appended at the end. The format cannot grow in place: bigger leaves would
 * need another path (tlog-tiles lets a log serve other encodings at other URLs).
 *
 * One parser, `splitEntryBundle`, finds where each leaf lies without copying it (an audit reads millions);
 * `decodeEntryBundle` copies the leaves out of its answer, and `hashEntryBundle` hashes them in place.
 */
import { StamplogError, malformed } from '../base/index.ts';
import { checkBytes, checkUint } from './check.ts';
import { leafHashInto } from './nodehash.ts';
import { TILE_WIDTH, foldPerfectInPlace } from './tiles.ts';

/** Largest leaf an entry bundle can carry: the uint16 length prefix. */
export const MAX_ENTRY_SIZE = 65_535;

/** Returns the entry bundle holding `leaves` (1..256 of them, each ≤ 65,535 bytes), in order. */
export function encodeEntryBundle(leaves: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(leaves)) throw malformed('leaves must be an array');
  if (leaves.length === 0 || leaves.length > TILE_WIDTH) {
    throw malformed('an entry bundle holds 1..256 leaves', { count: leaves.length });
  }
  let total = 0;
  for (let i = 0; i < leaves.length; i++) {
    const leaf: unknown = leaves[i];
    checkBytes(`leaves[${i}]`, leaf);
    if (leaf.length > MAX_ENTRY_SIZE) {
      throw new StamplogError('TOO_LARGE', `leaf ${i} has ${leaf.length} bytes, more than 65,535`);
    }
    total += 2 + leaf.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const leaf of leaves) {
    // tlog-tiles: big-endian uint16 length prefix.
    out[at] = leaf.length >>> 8;
    out[at + 1] = leaf.length & 0xff;
    out.set(leaf, at + 2);
    at += 2 + leaf.length;
  }
  return out;
}

/** The leaves of one entry bundle, in place: leaf i is bytes[at[i] + 2, at[i + 1]) (after its uint16 length prefix). */
export interface SplitBundle<B extends Uint8Array = Uint8Array> {
  readonly bytes: B;
  /** count + 1 offsets (the array may be longer). */
  readonly at: Int32Array;
  readonly count: number;
}

/**
 * Returns where the leaves of entry bundle `bytes` lie (no copy); if `width` is given the bundle must hold
 * exactly that many. Throws MALFORMED for truncated or trailing bytes, zero or more than 256 leaves.
 */
export function splitEntryBundle<B extends Uint8Array>(bytes: B, width?: number): SplitBundle<B> {
  checkBytes('bytes', bytes);
  if (width !== undefined) {
    checkUint('width', width);
    if (width < 1 || width > TILE_WIDTH) throw malformed('bundle width must be 1..256', { width });
  }
  const at = new Int32Array(TILE_WIDTH + 1);
  let count = 0;
  let p = 0;
  while (p < bytes.length) {
    if (count === TILE_WIDTH) throw malformed('entry bundle holds more than 256 leaves');
    if (p + 2 > bytes.length) throw malformed('entry bundle ends inside a length prefix', { offset: p });
    const len = (bytes[p] << 8) | bytes[p + 1];
    if (p + 2 + len > bytes.length) throw malformed('entry bundle ends inside a leaf', { offset: p, length: len });
    at[count++] = p;
    p += 2 + len;
  }
  if (count === 0) throw malformed('entry bundle is empty');
  if (width !== undefined && count !== width) {
    throw malformed(`entry bundle holds ${count} leaves, its path promises ${width}`, { count, width });
  }
  at[count] = p;
  return { bytes, at, count };
}

/**
 * Returns the leaves (copies) of the entry bundle `bytes`; if `width` is given the bundle must hold
 * exactly that many. Throws MALFORMED for truncated or trailing bytes, zero or more than 256 leaves.
 */
export function decodeEntryBundle(bytes: Uint8Array, width?: number): Uint8Array[] {
  const { at, count } = splitEntryBundle(bytes, width);
  const leaves = new Array<Uint8Array>(count);
  // slice(), not subarray(): copies that do not keep `bytes` alive (and on a Buffer, slice is a view).
  for (let i = 0; i < count; i++) leaves[i] = Uint8Array.prototype.slice.call(bytes, at[i] + 2, at[i + 1]);
  return leaves;
}

/** A split bundle with the RFC 6962 hashes of its leaves. */
export interface HashedBundle<B extends Uint8Array = Uint8Array> extends SplitBundle<B> {
  /** Leaf i's hash at [32·i, 32·i + 32), for each of the `count` leaves. */
  readonly leafHashes: Uint8Array;
  /** The root of the bundle's perfect subtree (its hash in tile 1) when it holds all 256 leaves; else undefined. */
  readonly root: Uint8Array | undefined;
}

/** Hashes every leaf of `b` in place into one flat array (and folds a full bundle into its subtree root). */
export function hashEntryBundle<B extends Uint8Array>(b: SplitBundle<B>): HashedBundle<B> {
  const leafHashes = new Uint8Array(32 * b.count);
  for (let i = 0; i < b.count; i++) leafHashInto(b.bytes, b.at[i] + 2, b.at[i + 1], leafHashes, 32 * i);
  let root: Uint8Array | undefined;
  if (b.count === TILE_WIDTH) {
    const scratch = leafHashes.slice();
    foldPerfectInPlace(scratch, TILE_WIDTH);
    root = scratch.slice(0, 32);
  }
  return { bytes: b.bytes, at: b.at, count: b.count, leafHashes, root };
}
