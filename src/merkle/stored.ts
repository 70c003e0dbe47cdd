/**
 * The stored-hash layout: every hash of an append-only RFC 6962 tree gets one dense integer key, the
 * layout of Go's golang.org/x/mod/sumdb/tlog (after Crosby and Wallach, "Efficient Data Structures for
 * Tamper-Evident Logging", §3.3), so that storage is one append-only array and readers are one
 * narrow call (`readHashes(indexes)`).
 *
 * Layout: hash (level L, n) covers leaves [n·2^L, (n+1)·2^L). Record n writes its leaf hash at index
 * storedHashIndex(0, n), followed by the hashes of every subtree it completes, lowest level first:
 *
 *   index  0    1    2      3    4    5      6      7  …
 *   hash   0,0  0,1  1,0    0,2  0,3  1,1    2,0    0,4 …
 *
 * In closed form, with m = (n+1)·2^L − 1 (the last leaf under the node):
 *   storedHashIndex(L, n) = 2m − popcount(m) + L,   storedHashCount(size) = 2·size − popcount(size).
 * Limits: trees of at most MAX_TREE_SIZE = 2^52 leaves (indexes stay safe integers), so levels 0..52.
 */
import { malformed } from '../base/index.ts';
import { bitLength, popcount, pow2, shr, trailingZeros } from './bits.ts';
import { MAX_TREE_SIZE, checkHash, checkHashList, checkReadHashes, checkTreeSize, checkUint } from './check.ts';
import { nodeHash, type Hash } from './hash.ts';

/**
 * Synchronous access to stored hashes: `readHashes` returns the hashes at the given stored-hash indexes,
 * as many and in the same order, or throws (a StamplogError, e.g. NOT_FOUND). It returns hashes the
 * caller may keep (copies, or arrays the reader never mutates). Indexes come in no guaranteed order.
 */
export interface HashReader {
  readHashes(indexes: readonly number[]): Hash[];
}

/** Asynchronous access to stored hashes, with the contract of HashReader (e.g. a database). */
export interface AsyncHashReader {
  readHashes(indexes: readonly number[]): Promise<Hash[]>;
}

/** Largest level of a tree of at most 2^63 leaves (tile paths allow levels up to 63 as well). */
const MAX_LEVEL = 63;

/** storedHashIndex without checks, for callers that validated (level, n) against a tree of ≤ 2^52 leaves. */
export function storedIndexUnchecked(level: number, n: number): number {
  if (level === 0 && n < 2 ** 31) return 2 * n - popcount(n);
  const m = (n + 1) * pow2(level) - 1;
  return 2 * m - popcount(m) + level;
}

/**
 * Returns the dense stored-hash index of the hash at `level` covering leaves [n·2^level, (n+1)·2^level);
 * throws MALFORMED unless level is an integer in 0..63 and the node lies within the first 2^52 leaves.
 */
export function storedHashIndex(level: number, n: number): number {
  checkUint('level', level);
  checkUint('n', n);
  if (level > MAX_LEVEL) throw malformed('level must be at most 63', { level });
  // The node's leaves end at (n+1)·2^level; beyond 2^52 the index would no longer be a safe integer.
  if ((n + 1) * 2 ** level > MAX_TREE_SIZE) {
    throw malformed('node lies beyond the largest supported tree size 2^52', { level, n });
  }
  return storedIndexUnchecked(level, n);
}

/**
 * Returns the (level, index) of the hash stored at stored-hash index `index`, the inverse of
 * storedHashIndex; throws MALFORMED unless `index` is a non-negative safe integer.
 */
export function splitStoredHashIndex(index: number): { level: number; index: number } {
  checkUint('index', index);
  // storedIndex(0, n) = 2n − popcount(n) ≤ index, so the record that wrote `index` is n ≥ index/2,
  // and at most bitLength(index) records later (each record writes 1 + trailingZeros(n+1) hashes).
  let n = Math.floor(index / 2);
  let indexN = 2 * n - popcount(n);
  for (;;) {
    const next = indexN + 1 + trailingZeros(n + 1);
    if (next > index) break;
    n++;
    indexN = next;
  }
  // Record n wrote (0, n), (1, n>>1), (2, n>>2), … at indexN, indexN+1, …
  const level = index - indexN;
  return { level, index: shr(n, level) };
}

/** Returns how many hashes are stored for a tree of `size` leaves (2·size − popcount(size)). */
export function storedHashCount(size: number): number {
  checkTreeSize('size', size);
  return 2 * size - popcount(size);
}

/** Returns the stored-hash indexes that storedHashesForRecordFromHashes(n, …) needs, in that order. */
export function storedHashesForRecordIndexes(n: number): number[] {
  checkTreeSize('n', n);
  if (n >= MAX_TREE_SIZE) throw malformed('record index must be below 2^52', { n });
  // Each trailing 1 bit of n completes a subtree whose left sibling (level i, (n >> i) − 1) was stored
  // earlier. Highest level first, which is increasing index order (friendliest to ordered storage).
  const m = trailingZeros(n + 1);
  const indexes = new Array<number>(m);
  for (let i = 0; i < m; i++) indexes[m - 1 - i] = storedIndexUnchecked(i, shr(n, i) - 1);
  return indexes;
}

/**
 * Returns the hashes to store, from index storedHashIndex(0, n) on, when record `n` with leaf hash
 * `leafHash` is appended, given `hashes` = the stored hashes at storedHashesForRecordIndexes(n).
 */
export function storedHashesForRecordFromHashes(n: number, leafHash: Hash, hashes: readonly Hash[]): Hash[] {
  const indexes = storedHashesForRecordIndexes(n);
  checkHash('leafHash', leafHash);
  checkHashList('storedHashesForRecord', indexes.length, hashes);
  const out: Hash[] = [leafHash.slice()];
  let h = out[0];
  const m = hashes.length;
  for (let i = 0; i < m; i++) {
    h = nodeHash(hashes[m - 1 - i], h); // RFC 6962 §2.1: the completed subtree (i+1, n >> (i+1))
    out.push(h);
  }
  return out;
}

/** Returns the hashes to store when record `n` with leaf hash `leafHash` is appended, reading earlier hashes from `reader` in one call. */
export function storedHashesForRecord(n: number, leafHash: Hash, reader: HashReader): Hash[] {
  const indexes = storedHashesForRecordIndexes(n);
  const hashes = indexes.length === 0 ? [] : reader.readHashes(indexes);
  checkReadHashes(indexes.length, hashes);
  return storedHashesForRecordFromHashes(n, leafHash, hashes);
}

/** Like storedHashesForRecord, reading the earlier hashes from the asynchronous `reader`. */
export async function storedHashesForRecordAsync(n: number, leafHash: Hash, reader: AsyncHashReader): Promise<Hash[]> {
  const indexes = storedHashesForRecordIndexes(n);
  const hashes = indexes.length === 0 ? [] : await reader.readHashes(indexes);
  checkReadHashes(indexes.length, hashes);
  return storedHashesForRecordFromHashes(n, leafHash, hashes);
}

/**
 * Appends to `out` the stored-hash indexes of the perfect subtrees that make up leaves [lo, hi), largest
 * (leftmost) first: the RFC 6962 §2.1 decomposition of MTH(D[lo:hi]) for lo aligned to a power of two
 * ≥ hi − lo. Callers guarantee 0 ≤ lo < hi ≤ 2^52.
 */
export function rangeIndexes(lo: number, hi: number, out: number[]): number[] {
  const width = hi - lo;
  for (let k = bitLength(width) - 1; k >= 0; k--) {
    const bit = pow2(k);
    if (shr(width, k) % 2 === 1) {
      out.push(storedIndexUnchecked(k, lo / bit));
      lo += bit;
    }
  }
  return out;
}

/** Number of perfect subtrees rangeIndexes(lo, hi) yields: popcount(hi − lo). */
export function rangeCount(lo: number, hi: number): number {
  return popcount(hi - lo);
}

/**
 * Folds `count` perfect-subtree hashes from `hashes[start]` on (largest first) into the hash of their
 * range: RFC 6962 §2.1 joins the right part first, so the fold runs right to left.
 */
export function foldRange(hashes: readonly Hash[], start: number, count: number): Hash {
  let h = hashes[start + count - 1];
  for (let i = start + count - 2; i >= start; i--) h = nodeHash(hashes[i], h);
  return h;
}
