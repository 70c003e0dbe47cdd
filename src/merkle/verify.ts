/**
 * Inclusion and consistency proof verification, RFC 9162 §2.1.3.2 and §2.1.4.2 (the same proofs as
 * RFC 6962 §2.1.1–2.1.2), written as "compute, then compare": `rootFromInclusionProof` and
 * `rootsFromConsistencyProof` return the roots a proof implies; `verifyInclusion` and
 * `verifyConsistency` compare them with trusted roots and throw `RootMismatchError` on a difference.
 *
 * Input: sizes and indexes are JS numbers that must be non-negative safe integers; hashes are 32-byte
 * Uint8Arrays; a proof is an array of hashes, bottom-up (RFC 9162 order), at most MAX_PROOF_HASHES long.
 * Errors, in the order they are checked (every failure is a StamplogError, whatever the input):
 *   MALFORMED         a number that is not a non-negative safe integer, a proof that is not an array
 *                     or longer than 64, a hash that is not a 32-byte Uint8Array;
 *   PROOF_MISMATCH    index ≥ size, size1 > size2, a proof of the wrong length for its sizes;
 *   RootMismatchError (code PROOF_MISMATCH) the proof leads to another root.
 * Work is bounded before any hashing: at most 64 proof hashes, at most 53 loop steps.
 *
 * Edge cases (as the transparency-dev/merkle reference vectors require): size1 = size2 verifies with an
 * empty proof iff root1 and root2 are the same bytes (nothing is hashed, so their length is not checked);
 * the empty tree (size 0) has root SHA-256(""); size1 = 0 < size2 verifies iff the proof is empty and
 * root1 is the empty root (RFC 9162 §2.1.4: every tree is consistent with the empty tree).
 */
import { RootMismatchError, StamplogError } from '../base/index.ts';
import { isPowerOfTwo } from './bits.ts';
import { checkBytes, checkHash, checkProof, checkUint } from './check.ts';
import { emptyRoot, hashEqual, isEmptyRoot, nodeHashInto, type Hash } from './hash.ts';

/** Longest proof any verifier here accepts (a tree of 2^53 leaves needs at most 54 hashes). */
export const MAX_PROOF_HASHES = 64;

function half(x: number): number {
  return x < 0x80000000 ? x >>> 1 : Math.floor(x / 2);
}

function hashes(n: number): string {
  return n === 1 ? '1 hash' : `${n} hashes`;
}

function mismatch(message: string, details: Record<string, unknown>): StamplogError {
  return new StamplogError('PROOF_MISMATCH', message, { details });
}

/**
 * Runs the loop of RFC 9162 §2.1.3.2 step 4 (and §2.1.4.2 step 6) without hashing, from (fn, sn), and
 * returns how many proof hashes it consumes before sn reaches 0: the only valid proof length.
 */
function pathSteps(fn: number, sn: number): number {
  let steps = 0;
  while (sn > 0) {
    if (fn % 2 === 0 && fn === sn) {
      while (fn % 2 === 0 && fn !== 0) {
        fn = half(fn);
        sn = half(sn);
      }
    }
    fn = half(fn);
    sn = half(sn);
    steps++;
  }
  return steps;
}

/** The argument checks of an inclusion proof: types, RFC 9162 §2.1.3.2 step 1, and the proof's length. */
function checkInclusionArgs(leafHash: Hash, index: number, size: number, proof: readonly Hash[]): void {
  checkUint('index', index);
  checkUint('size', size);
  checkProof('proof', proof, MAX_PROOF_HASHES);
  checkHash('leafHash', leafHash);
  // RFC 9162 §2.1.3.2 step 1: leaf_index ≥ tree_size fails.
  if (index >= size) throw mismatch('inclusion proof: index is not below the tree size', { index, size });
  const want = pathSteps(index, size - 1);
  if (proof.length !== want) {
    throw mismatch(`inclusion proof has ${hashes(proof.length)}, a tree of this size needs ${want}`, { index, size });
  }
}

/**
 * The climb shared by RFC 9162 §2.1.3.2 step 4 (inclusion) and §2.1.4.2 step 6 (consistency): hashes `r` in place
 * with `proof[from…]`, starting at node `fn` of a level whose last node is `sn`. With `leftOnly`, right siblings are
 * skipped: that is the consistency proof's fr, the old tree's root, which only has the left siblings.
 */
function climb(r: Hash, fn: number, sn: number, proof: readonly Hash[], from: number, leftOnly: boolean): void {
  for (let i = from; i < proof.length; i++) {
    const p = proof[i];
    // A right child (LSB(fn) set) or the last node of its level hashes with a left sibling.
    if (fn % 2 === 1 || fn === sn) {
      nodeHashInto(p, 0, r, 0, r, 0); // r = HASH(0x01 || p || r)
      // Climb past the levels where the border node has no right sibling.
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else if (!leftOnly) {
      nodeHashInto(r, 0, p, 0, r, 0); // r = HASH(0x01 || r || p)
    }
    fn = half(fn);
    sn = half(sn);
  }
  // The final "sn is 0" check holds by construction: the length check ran the same loop.
}

/**
 * Returns the root that `proof` implies for a tree of `size` leaves whose leaf `index` has hash
 * `leafHash` (RFC 9162 §2.1.3.2); throws PROOF_MISMATCH if index ≥ size or the proof has the wrong length.
 */
export function rootFromInclusionProof(leafHash: Hash, index: number, size: number, proof: readonly Hash[]): Hash {
  checkInclusionArgs(leafHash, index, size, proof);
  const r = leafHash.slice(); // hashed in place: one allocation per proof
  // Steps 2–4: fn = leaf_index, sn = tree_size − 1, r = hash.
  climb(r, index, size - 1, proof, 0, false);
  return r;
}

/**
 * Checks that `proof` proves leaf `index` with hash `leafHash` is in the tree of `size` leaves with root
 * `root`; throws RootMismatchError if it leads elsewhere (other failures as rootFromInclusionProof).
 */
export function verifyInclusion(leafHash: Hash, index: number, size: number, proof: readonly Hash[], root: Hash): void {
  checkHash('root', root);
  const calculated = rootFromInclusionProof(leafHash, index, size, proof);
  // RFC 9162 §2.1.3.2 step 5: compare r against the root hash.
  if (!hashEqual(calculated, root)) throw new RootMismatchError('inclusion proof', root, calculated);
}

/** Number of hashes a consistency proof from size1 to size2 must have, for 0 < size1 < size2. */
function consistencyLength(size1: number, size2: number): number {
  let fn = size1 - 1;
  let sn = size2 - 1;
  // RFC 9162 §2.1.4.2 step 4.
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 2: a power-of-two size1 contributes first_hash as the first path value; otherwise the proof does.
  return (isPowerOfTwo(size1) ? 0 : 1) + pathSteps(fn, sn);
}

/**
 * Returns the roots of the trees of `size1` and `size2` leaves that a consistency `proof` implies, given
 * the old root `root1` (RFC 9162 §2.1.4.2); for size1 = size2 these are root1 twice. Throws
 * PROOF_MISMATCH for size1 > size2, a wrong proof length, or size1 = 0 < size2 (nothing to compute:
 * verifyConsistency accepts that case with an empty proof).
 */
export function rootsFromConsistencyProof(
  size1: number,
  size2: number,
  proof: readonly Hash[],
  root1: Hash,
): { root1: Hash; root2: Hash } {
  checkUint('size1', size1);
  checkUint('size2', size2);
  checkProof('proof', proof, MAX_PROOF_HASHES);
  checkBytes('root1', root1);
  if (size2 < size1) throw mismatch('consistency proof: size1 is larger than size2', { size1, size2 });
  if (size1 === size2) {
    if (proof.length !== 0) throw mismatch('consistency proof between equal sizes must be empty', { size1, size2 });
    // RFC 9162 §2.1.1: the empty tree's root is fixed; any other tree is its own proof.
    const r = size1 === 0 ? emptyRoot() : root1;
    return { root1: r.slice(), root2: r.slice() };
  }
  if (size1 === 0) {
    throw mismatch('a consistency proof from the empty tree implies no root (every tree is consistent with it)', {
      size1,
      size2,
    });
  }
  checkHash('root1', root1);
  const want = consistencyLength(size1, size2);
  // Step 1 (an empty path fails) is covered: want ≥ 1 whenever size1 < size2.
  if (proof.length !== want) {
    throw mismatch(`consistency proof has ${hashes(proof.length)}, these sizes need ${want}`, { size1, size2 });
  }
  // Step 2: prepend first_hash when first is a power of two.
  const fromRoot = isPowerOfTwo(size1);
  const seed = fromRoot ? root1 : proof[0];
  const k = fromRoot ? 0 : 1;
  // Steps 3–4.
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (fn % 2 === 1) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5 (fr and sr are hashed in place).
  const fr = seed.slice();
  const sr = seed.slice();
  // Step 6: fr = HASH(0x01 || c || fr) with the left siblings only; sr with every sibling, on its side.
  climb(fr, fn, sn, proof, k, true);
  climb(sr, fn, sn, proof, k, false);
  return { root1: fr, root2: sr };
}

/**
 * Checks that `proof` proves the tree of `size2` leaves with root `root2` extends the tree of `size1`
 * leaves with root `root1`; throws RootMismatchError if either implied root differs (other failures as
 * rootsFromConsistencyProof, except that size1 = 0 < size2 verifies with an empty proof and the empty root).
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Hash[],
  root1: Hash,
  root2: Hash,
): void {
  checkUint('size1', size1);
  checkUint('size2', size2);
  checkProof('proof', proof, MAX_PROOF_HASHES);
  checkBytes('root1', root1);
  checkBytes('root2', root2);
  if (size1 < size2) {
    checkHash('root1', root1);
    checkHash('root2', root2);
  }
  if (size1 === 0 && size2 > 0) {
    // RFC 9162 §2.1.4: every tree is consistent with the empty tree; the proof is empty.
    if (proof.length !== 0) throw mismatch('consistency proof from the empty tree must be empty', { size1, size2 });
    if (!isEmptyRoot(root1)) throw new RootMismatchError('consistency proof (old tree)', root1, emptyRoot());
    return;
  }
  const roots = rootsFromConsistencyProof(size1, size2, proof, root1);
  // RFC 9162 §2.1.4.2 step 7: fr = first_hash and sr = second_hash.
  if (!hashEqual(roots.root1, root1)) throw new RootMismatchError('consistency proof (old tree)', root1, roots.root1);
  if (!hashEqual(roots.root2, root2)) throw new RootMismatchError('consistency proof (new tree)', root2, roots.root2);
}
