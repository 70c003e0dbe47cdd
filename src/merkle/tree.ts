/**
 * The Merkle Tree Hash (root) of a tree of any size from stored hashes (RFC 9162 §2.1.1, RFC 6962 §2.1).
 *
 * MTH(D[0:size]) splits size into its powers of two, largest first: the root is the right-to-left
 * fold of the perfect subtrees [0, 2^a), [2^a, 2^a + 2^b), … that are already stored. So one read of
 * popcount(size) ≤ 52 stored hashes and popcount(size) − 1 node hashes give any root, current or past.
 * MTH of the empty tree is SHA-256("") (RFC 9162 §2.1.1), not Go tlog's all-zero hash.
 *
 * Each operation comes in four pieces: `…Indexes` (which stored hashes), `…FromHashes` (pure maths on
 * them), and sync/async wrappers doing exactly one `readHashes` call. Limits: size ≤ 2^52.
 *
 * {@link CompactRange} is the same border seen from the other side: the hashes of those perfect subtrees
 * (RFC 9162 §2.1.1), kept while leaf hashes are appended, so that a follower recomputes a log's root from its
 * leaves in O(log n) memory and can persist the border as its resumable cursor.
 */
import { StamplogError } from '../base/index.ts';
import { checkHashList, checkReadHashes, checkTreeSize } from './check.ts';
import { emptyRoot, hashEqual, nodeHash, type Hash } from './hash.ts';
import { foldRange, rangeIndexes, splitStoredHashIndex, type AsyncHashReader, type HashReader } from './stored.ts';

/** Returns the stored-hash indexes treeHashFromHashes(size, …) needs: the perfect subtrees of [0, size). */
export function treeHashIndexes(size: number): number[] {
  checkTreeSize('size', size);
  return size === 0 ? [] : rangeIndexes(0, size, []);
}

/**
 * Returns the perfect subtrees of [0, size) as (level, index) nodes, largest (leftmost) first: node (k, i)
 * covers leaves [i·2^k, (i+1)·2^k). The same nodes, in the same order, as treeHashIndexes(size) names.
 */
export function treeHashNodes(size: number): { level: number; index: number }[] {
  return treeHashIndexes(size).map((i) => splitStoredHashIndex(i));
}

/** Returns the root of the tree of `size` leaves from `hashes`, the stored hashes at treeHashIndexes(size). */
export function treeHashFromHashes(size: number, hashes: readonly Hash[]): Hash {
  const count = treeHashIndexes(size).length;
  checkHashList('treeHash', count, hashes);
  if (count === 0) return emptyRoot(); // RFC 9162 §2.1.1: MTH({}) = HASH()
  const root = foldRange(hashes, 0, count);
  return count === 1 ? root.slice() : root;
}

/** Returns the root of the tree of `size` leaves, reading its perfect subtrees from `reader` in one call. */
export function treeHash(size: number, reader: HashReader): Hash {
  const indexes = treeHashIndexes(size);
  const hashes = indexes.length === 0 ? [] : reader.readHashes(indexes);
  checkReadHashes(indexes.length, hashes);
  return treeHashFromHashes(size, hashes);
}

/** Like treeHash, reading from the asynchronous `reader`. */
export async function treeHashAsync(size: number, reader: AsyncHashReader): Promise<Hash> {
  const indexes = treeHashIndexes(size);
  const hashes = indexes.length === 0 ? [] : await reader.readHashes(indexes);
  checkReadHashes(indexes.length, hashes);
  return treeHashFromHashes(size, hashes);
}

/** The right border of a growing tree: append leaf hashes, read the root or the border hashes. */
export class CompactRange {
  #size: number;
  readonly #hashes: Hash[];

  /** A range of `size` leaves with border `hashes` (largest subtree first); throws MALFORMED if they cannot match. */
  constructor(size = 0, hashes: readonly Hash[] = []) {
    if (!Number.isSafeInteger(size) || size < 0 || size > 2 ** 52) throw new StamplogError('MALFORMED', 'compact range: bad size');
    if (hashes.length !== treeHashIndexes(size).length) throw new StamplogError('MALFORMED', 'compact range: hash count does not match the size');
    for (const h of hashes) if (!(h instanceof Uint8Array) || h.length !== 32) throw new StamplogError('MALFORMED', 'compact range: hash is not 32 bytes');
    this.#size = size;
    this.#hashes = hashes.map((h) => h.slice());
  }

  get size(): number {
    return this.#size;
  }

  /** Copies of the border hashes, largest subtree first (the hashes at treeHashIndexes(size)). */
  hashes(): Hash[] {
    return this.#hashes.map((h) => h.slice());
  }

  /** Appends one leaf hash (SHA-256(0x00 || leaf)). */
  append(leafHash: Hash): void {
    this.#push(0, leafHash);
    this.#size++;
  }

  /**
   * Appends the hash of a perfect subtree of 2^level leaves (e.g. a whole entry bundle's, level 8), as if its
   * leaves were appended one by one; the range must end on a multiple of 2^level (MALFORMED otherwise).
   */
  appendSubtree(level: number, hash: Hash): void {
    const span = 2 ** level;
    if (!Number.isSafeInteger(level) || level < 0 || level > 52 || this.#size % span !== 0 || this.#size + span > 2 ** 52) {
      throw new StamplogError('MALFORMED', 'compact range: subtree not aligned');
    }
    if (!(hash instanceof Uint8Array) || hash.length !== 32) throw new StamplogError('MALFORMED', 'compact range: hash is not 32 bytes');
    this.#push(level, hash.slice());
    this.#size += span;
  }

  /** Pushes the node of 2^level leaves that starts at #size, merging the equal-height subtrees it completes. */
  #push(level: number, hash: Hash): void {
    const hs = this.#hashes;
    hs.push(hash);
    // The node completes one bigger subtree per trailing 1 bit of size / 2^level: merge the two smallest each time.
    for (let n = this.#size / 2 ** level; n % 2 === 1; n = (n - 1) / 2) {
      const right = hs.pop() as Hash;
      const left = hs.pop() as Hash;
      hs.push(nodeHash(left, right));
    }
  }

  /** The root of the tree of `size` leaves. */
  root(): Hash {
    return treeHashFromHashes(this.#size, this.#hashes);
  }

  /** True when `hashes` (the stored hashes at treeHashIndexes(size), e.g. read from authenticated tiles) equal this border. */
  matches(hashes: readonly Hash[]): boolean {
    return hashes.length === this.#hashes.length && hashes.every((h, i) => hashEqual(h, this.#hashes[i]));
  }
}

