/**
 * Multi-leaf inclusion proofs: one proof that several leaves are in a tree. A batch of a thousand consecutive
 * leaves has a thousand RFC 9162 inclusion proofs that repeat nearly the same path; one multi-leaf proof of the
 * batch holds about two hashes per tree level, and verifying it hashes each of the batch's nodes once.
 *
 * RFC 9162 proves one leaf at a time; this is built from its tree definition alone (§2.1.1): for n = hi − lo > 1
 * leaves, MTH(D[lo:hi]) = HASH(0x01 || MTH(D[lo:lo+k]) || MTH(D[lo+k:hi])), k the largest power of two < n.
 *
 * The proof for the leaves at `indexes` (strictly increasing, each below `size`) is: the hashes of the maximal
 * subtrees of that recursion that contain none of the indexes, left to right. (For one index these are exactly
 * the hashes of its RFC 9162 inclusion proof, in another order.) The verifier runs the same recursion, taking
 * the given leaf hashes at the indexes and the proof's hashes, in order, for the subtrees without an index, and
 * compares the root it gets with the trusted one.
 *
 * Errors, in the order they are checked (every failure is a StamplogError): MALFORMED for numbers that are not
 * non-negative safe integers, no index at all, indexes not strictly increasing, a proof that is not an array of
 * 32-byte hashes, or leaf hashes not matching the indexes one for one; PROOF_MISMATCH for an index not below the
 * size or a proof of the wrong length; RootMismatchError (code PROOF_MISMATCH) when it leads to another root.
 * The proof's length is checked against the plan before any hashing.
 */
import { RootMismatchError, StamplogError, malformed } from '../base/index.ts';
import { bitLength, pow2 } from './bits.ts';
import { checkHash, checkHashList, checkProof, checkReadHashes, checkTreeSize, checkUint } from './check.ts';
import { hashEqual, nodeHash, type Hash } from './hash.ts';
import { foldRange, rangeCount, rangeIndexes, type HashReader } from './stored.ts';

/** The proof's subtrees as pairs [lo, hi) of leaf positions, left to right. */
export type LeafRange = readonly [number, number];

function checkIndexes(indexes: readonly number[], size: number): void {
  if (!Array.isArray(indexes) || indexes.length === 0) throw malformed('indexes must be a non-empty array');
  for (let i = 0; i < indexes.length; i++) {
    checkUint(`indexes[${i}]`, indexes[i]);
    if (i > 0 && indexes[i] <= indexes[i - 1]) throw malformed('indexes must be strictly increasing', { at: i });
  }
  const last = indexes[indexes.length - 1];
  if (last >= size) throw new StamplogError('PROOF_MISMATCH', 'multi-leaf inclusion proof: an index is not below the tree size', { details: { index: last, size } });
}

/** The size of the left part of a subtree of n ≥ 2 leaves: the largest power of two below n. */
function split(n: number): number {
  return pow2(bitLength(n - 1) - 1);
}

/**
 * The subtrees whose hashes make up the multi-leaf inclusion proof of the leaves at `indexes` (strictly
 * increasing) in the tree of `size` leaves, left to right; throws as described in the module comment.
 */
export function multiInclusionProofRanges(indexes: readonly number[], size: number): LeafRange[] {
  checkUint('size', size);
  checkIndexes(indexes, size);
  const out: LeafRange[] = [];
  let next = 0; // the first index not yet placed: every index before it is below the current `lo`
  const walk = (lo: number, hi: number): void => {
    if (next >= indexes.length || indexes[next] >= hi) {
      out.push([lo, hi]);
      return;
    }
    if (hi - lo === 1) {
      next++;
      return;
    }
    const mid = lo + split(hi - lo);
    walk(lo, mid);
    walk(mid, hi);
  };
  walk(0, size);
  return out;
}

/** The stored-hash indexes multiInclusionProofFromHashes needs, in its order (each range's perfect subtrees). */
export function multiInclusionProofIndexes(indexes: readonly number[], size: number): number[] {
  checkTreeSize('size', size);
  return storedIndexesOf(multiInclusionProofRanges(indexes, size));
}

/** The multi-leaf inclusion proof from `hashes`, the stored hashes at multiInclusionProofIndexes(indexes, size). */
export function multiInclusionProofFromHashes(indexes: readonly number[], size: number, hashes: readonly Hash[]): Hash[] {
  const ranges = multiInclusionProofRanges(indexes, size);
  let count = 0;
  for (const [lo, hi] of ranges) count += rangeCount(lo, hi);
  checkHashList('multiInclusionProof', count, hashes);
  return foldRanges(ranges, hashes);
}

/** The multi-leaf inclusion proof of the leaves at `indexes` in the tree of `size` leaves, read from `reader` in one call. */
export function proveMultiInclusion(indexes: readonly number[], size: number, reader: HashReader): Hash[] {
  checkTreeSize('size', size);
  const ranges = multiInclusionProofRanges(indexes, size); // planned once, for the read and for the fold
  const stored = storedIndexesOf(ranges);
  const hashes = reader.readHashes(stored);
  checkReadHashes(stored.length, hashes);
  return foldRanges(ranges, hashes);
}

/** The stored-hash indexes of the perfect subtrees of each of `ranges`, in order. */
function storedIndexesOf(ranges: readonly LeafRange[]): number[] {
  const out: number[] = [];
  for (const [lo, hi] of ranges) rangeIndexes(lo, hi, out);
  return out;
}

/** One hash per range of `ranges`, folded from its perfect subtrees' hashes, which `hashes` holds in order. */
function foldRanges(ranges: readonly LeafRange[], hashes: readonly Hash[]): Hash[] {
  const proof: Hash[] = [];
  let at = 0;
  for (const [lo, hi] of ranges) {
    const parts = rangeCount(lo, hi);
    const h = foldRange(hashes, at, parts);
    proof.push(parts === 1 ? h.slice() : h);
    at += parts;
  }
  return proof;
}

/**
 * The root that `proof` implies for a tree of `size` leaves whose leaves at `indexes` have the hashes
 * `leafHashes` (one each, same order); throws as described in the module comment.
 */
export function rootFromMultiInclusionProof(indexes: readonly number[], leafHashes: readonly Hash[], size: number, proof: readonly Hash[]): Hash {
  checkUint('size', size);
  if (!Array.isArray(indexes) || !Array.isArray(leafHashes) || leafHashes.length !== indexes.length) {
    throw malformed('multi-leaf inclusion proof: one leaf hash for each index');
  }
  // Bounded before anything else: each index adds at most one subtree per level (≤ 53 levels).
  checkProof('proof', proof, Math.max(1, indexes.length) * 64);
  const ranges = multiInclusionProofRanges(indexes, size);
  if (proof.length !== ranges.length) {
    throw new StamplogError('PROOF_MISMATCH', `multi-leaf inclusion proof has ${proof.length} hashes, these leaves of this tree need ${ranges.length}`, {
      details: { size, leaves: indexes.length },
    });
  }
  for (let i = 0; i < leafHashes.length; i++) checkHash(`leafHashes[${i}]`, leafHashes[i]);
  let next = 0;
  let used = 0;
  const walk = (lo: number, hi: number): Hash => {
    if (next >= indexes.length || indexes[next] >= hi) return proof[used++];
    if (hi - lo === 1) return leafHashes[next++];
    const mid = lo + split(hi - lo);
    const left = walk(lo, mid);
    return nodeHash(left, walk(mid, hi));
  };
  const root = walk(0, size);
  return root === proof[0] || root === leafHashes[0] ? root.slice() : root;
}

/**
 * Checks that `proof` proves the leaves at `indexes` with hashes `leafHashes` are in the tree of `size` leaves
 * with root `root`; throws RootMismatchError if it leads elsewhere (other failures as rootFromMultiInclusionProof).
 */
export function verifyMultiInclusion(indexes: readonly number[], leafHashes: readonly Hash[], size: number, proof: readonly Hash[], root: Hash): void {
  checkHash('root', root);
  const calculated = rootFromMultiInclusionProof(indexes, leafHashes, size, proof);
  if (!hashEqual(calculated, root)) throw new RootMismatchError('multi-leaf inclusion proof', root, calculated);
}
