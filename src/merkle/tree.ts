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
 */
import { checkHashList, checkReadHashes, checkTreeSize } from './check.ts';
import { emptyRoot, type Hash } from './hash.ts';
import { foldRange, rangeIndexes, type AsyncHashReader, type HashReader } from './stored.ts';

/** Returns the stored-hash indexes treeHashFromHashes(size, …) needs: the perfect subtrees of [0, size). */
export function treeHashIndexes(size: number): number[] {
  checkTreeSize('size', size);
  return size === 0 ? [] : rangeIndexes(0, size, []);
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
