/**
 * Inclusion and consistency proof generation from stored hashes (RFC 9162 §2.1.3.1 PATH and §2.1.4.1
 * SUBPROOF; identical to RFC 6962 §2.1.1–2.1.2 and to Go tlog's ProveRecord/ProveTree output).
 *
 * Wire format: a proof is a list of 32-byte hashes, bottom-up: the sibling next to the leaf (or to the
 * old tree's last perfect subtree) first, the hash just below the root last. A consistency proof from a
 * power-of-two size omits the old root (the verifier has it); from size 0 or to the same size it is empty.
 *
 * How: a proof for node (L, i) of a tree of `size` leaves follows its path to the root. Below the level
 * where that path meets the path to the last leaf, every sibling is a complete stored hash, except the
 * topmost, which holds the last leaf and may be incomplete ("ephemeral"): it is folded from the perfect
 * subtrees of its range. Above the meeting point the path runs along the right border, and only left
 * siblings (complete) appear. So every proof entry is the fold of one or more stored hashes, all read in
 * one `readHashes` call. Limits: sizes ≤ 2^52, so proofs have at most 53 entries (verifiers accept 64).
 */
import { malformed } from '../base/index.ts';
import { popcount, pow2, shr, trailingZeros } from './bits.ts';
import { checkHashList, checkReadHashes, checkTreeSize, checkUint } from './check.ts';
import type { Hash } from './hash.ts';
import { foldRange, rangeIndexes, storedIndexUnchecked, type AsyncHashReader, type HashReader } from './stored.ts';

/** Which stored hashes make up a proof: `groups[k]` consecutive entries of `indexes` fold into proof hash k. */
interface ProofPlan {
  readonly indexes: number[];
  readonly groups: number[];
  /** Per group: the first leaf of the incomplete subtree it folds (which ends at the tree size), or -1. */
  readonly los: number[];
}

/**
 * Folded right-border hashes of one tree size, keyed by their first leaf: every proof in a tree of that size
 * that needs MTH(D[lo:size]) gets it from here instead of hashing it again. Owned by one tree (MemoryTree).
 */
export interface FoldCache {
  size: number;
  readonly folds: Map<number, Hash>;
}

/** Adds to `plan` the proof entries for the complete node (level, idx) in the tree of `size` leaves. */
function addPath(level: number, idx: number, size: number, plan: ProofPlan): void {
  let a = idx; // the node's ancestor at level j
  let b = shr(size - 1, level); // the last leaf's ancestor at level j
  let j = level;
  while (a !== b) {
    const pa = Math.floor(a / 2);
    const pb = Math.floor(b / 2);
    if (pa === pb) {
      // Sibling a+1 holds the last leaf: its hash is MTH(D[(a+1)·2^j : size]), maybe incomplete.
      const before = plan.indexes.length;
      const lo = (a + 1) * pow2(j);
      rangeIndexes(lo, size, plan.indexes);
      plan.groups.push(plan.indexes.length - before);
      plan.los.push(lo);
    } else {
      // Below the meeting point every sibling is complete, left or right.
      plan.indexes.push(storedIndexUnchecked(j, a % 2 === 0 ? a + 1 : a - 1));
      plan.groups.push(1);
      plan.los.push(-1);
    }
    a = pa;
    b = pb;
    j++;
  }
  // On the right border: a right child contributes its left sibling; a left child has no sibling.
  for (; b > 0; b = Math.floor(b / 2), j++) {
    if (b % 2 === 1) {
      plan.indexes.push(storedIndexUnchecked(j, b - 1));
      plan.groups.push(1);
      plan.los.push(-1);
    }
  }
}

function inclusionPlan(index: number, size: number): ProofPlan {
  checkTreeSize('size', size);
  checkUint('index', index);
  if (index >= size) throw malformed('index must be below the tree size', { index, size });
  const plan: ProofPlan = { indexes: [], groups: [], los: [] };
  addPath(0, index, size, plan); // RFC 9162 §2.1.3.1: PATH(m, D_n)
  return plan;
}

function consistencyPlan(size1: number, size2: number): ProofPlan {
  checkTreeSize('size1', size1);
  checkTreeSize('size2', size2);
  if (size1 > size2) throw malformed('size1 must not exceed size2', { size1, size2 });
  const plan: ProofPlan = { indexes: [], groups: [], los: [] };
  // RFC 9162 §2.1.4: the proof to the same size is empty, and every tree is consistent with the empty one.
  if (size1 === 0 || size1 === size2) return plan;
  // The old tree's last perfect subtree (shift, idx) ends at size1 and is complete in both trees.
  const shift = trailingZeros(size1);
  const idx = shr(size1, shift) - 1;
  // RFC 9162 §2.1.4.1 SUBPROOF(m, D_m, true) = {}: a power-of-two old tree is its own root, left out.
  if (idx !== 0) {
    plan.indexes.push(storedIndexUnchecked(shift, idx));
    plan.groups.push(1);
    plan.los.push(-1);
  }
  addPath(shift, idx, size2, plan);
  return plan;
}

function proofFromPlan(what: string, plan: ProofPlan, hashes: readonly Hash[], cache?: FoldCache): Hash[] {
  checkHashList(what, plan.indexes.length, hashes);
  const proof = new Array<Hash>(plan.groups.length);
  let k = 0;
  for (let g = 0; g < plan.groups.length; g++) {
    const count = plan.groups[g];
    if (count === 1) {
      proof[g] = hashes[k].slice();
    } else if (cache === undefined) {
      proof[g] = foldRange(hashes, k, count);
    } else {
      let h = cache.folds.get(plan.los[g]);
      if (h === undefined) {
        h = foldRange(hashes, k, count);
        cache.folds.set(plan.los[g], h);
      }
      proof[g] = h.slice();
    }
    k += count;
  }
  return proof;
}

/**
 * Like proveInclusion (or proveConsistency when `size1` is given), reusing right-border folds from `cache`,
 * which must only ever be used with one tree; the cache is reset when `size` differs from its size.
 */
export function proveWithFoldCache(reader: HashReader, cache: FoldCache, size: number, index: number, size1?: number): Hash[] {
  const plan = size1 === undefined ? inclusionPlan(index, size) : consistencyPlan(size1, size);
  if (cache.size !== size) resetFolds(cache, size);
  return proofFromPlan(size1 === undefined ? 'inclusion proof' : 'consistency proof', plan, readPlan(plan, reader), cache);
}

/** The stored hashes `plan` folds, read from `reader` in one call. */
function readPlan(plan: ProofPlan, reader: HashReader): Hash[] {
  const hashes = plan.indexes.length === 0 ? [] : reader.readHashes(plan.indexes);
  checkReadHashes(plan.indexes.length, hashes);
  return hashes;
}

/** Like readPlan, from the asynchronous `reader`. */
async function readPlanAsync(plan: ProofPlan, reader: AsyncHashReader): Promise<Hash[]> {
  const hashes = plan.indexes.length === 0 ? [] : await reader.readHashes(plan.indexes);
  checkReadHashes(plan.indexes.length, hashes);
  return hashes;
}

/**
 * The entries of the inclusion proof of the complete node (`level`, `index`) — leaf `index` when level is 0 —
 * in the tree of `size` leaves, bottom-up, each named by what it hashes: a stored-hash index (≥ 0) for a
 * complete node, or −1 − lo for the incomplete right-border subtree MTH(D[lo:size]). MemoryTree.proofEntry
 * hashes one; for a leaf, hashing them all gives proveInclusion(index, size). For callers that keep proof
 * entries by name (a server rendering a batch of proofs renders each distinct entry once).
 */
export function inclusionProofEntries(level: number, index: number, size: number): number[] {
  checkTreeSize('size', size);
  checkUint('level', level);
  checkUint('index', index);
  if (level === 0 && index >= size) throw malformed('index must be below the tree size', { index, size });
  if ((index + 1) * pow2(level) > size) throw malformed('the node must be complete in the tree', { level, index, size });
  const plan: ProofPlan = { indexes: [], groups: [], los: [] };
  addPath(level, index, size, plan);
  const entries = new Array<number>(plan.groups.length);
  for (let g = 0, k = 0; g < plan.groups.length; k += plan.groups[g], g++) entries[g] = plan.groups[g] === 1 ? plan.indexes[k] : -1 - plan.los[g];
  return entries;
}

/**
 * The hash of inclusion-proof entry `entry` (inclusionProofEntries) in the tree of `size` leaves, reading from
 * `reader`; a right-border fold is taken from (or added to) `cache`, as proveWithFoldCache does.
 */
export function proofEntryHash(reader: HashReader, cache: FoldCache, size: number, entry: number): Hash {
  checkTreeSize('size', size);
  if (entry >= 0) {
    checkUint('entry', entry);
    if (entry >= 2 * size - popcount(size)) throw malformed('the proof entry lies beyond the tree size', { entry, size });
    const hashes = reader.readHashes([entry]);
    checkReadHashes(1, hashes);
    return hashes[0].slice();
  }
  const lo = -1 - entry;
  checkUint('entry', lo);
  if (lo >= size) throw malformed('the proof entry lies beyond the tree size', { entry, size });
  if (cache.size !== size) resetFolds(cache, size);
  let h = cache.folds.get(lo);
  if (h === undefined) {
    const indexes = rangeIndexes(lo, size, []);
    const hashes = reader.readHashes(indexes);
    checkReadHashes(indexes.length, hashes);
    h = indexes.length === 1 ? hashes[0].slice() : foldRange(hashes, 0, indexes.length);
    cache.folds.set(lo, h);
  }
  return h.slice();
}

function resetFolds(cache: FoldCache, size: number): void {
  cache.folds.clear();
  cache.size = size;
}

// The public entry points, in the same four forms for both proofs (indexes to read, from read hashes, reading
// synchronously, reading asynchronously): a deliberate parallel, each one line over the proof's plan.

/** Returns the stored-hash indexes inclusionProofFromHashes(index, size, …) needs; requires index < size ≤ 2^52. */
export function inclusionProofIndexes(index: number, size: number): number[] {
  return inclusionPlan(index, size).indexes;
}

/** Returns the inclusion proof of leaf `index` in the tree of `size` leaves from the stored hashes at inclusionProofIndexes(index, size). */
export function inclusionProofFromHashes(index: number, size: number, hashes: readonly Hash[]): Hash[] {
  return proofFromPlan('inclusion proof', inclusionPlan(index, size), hashes);
}

/** Returns the inclusion proof of leaf `index` in the tree of `size` leaves, reading from `reader` in one call. */
export function proveInclusion(index: number, size: number, reader: HashReader): Hash[] {
  const plan = inclusionPlan(index, size);
  return proofFromPlan('inclusion proof', plan, readPlan(plan, reader));
}

/** Like proveInclusion, reading from the asynchronous `reader`. */
export async function proveInclusionAsync(index: number, size: number, reader: AsyncHashReader): Promise<Hash[]> {
  const plan = inclusionPlan(index, size);
  return proofFromPlan('inclusion proof', plan, await readPlanAsync(plan, reader));
}

/** Returns the stored-hash indexes consistencyProofFromHashes(size1, size2, …) needs; requires size1 ≤ size2 ≤ 2^52. */
export function consistencyProofIndexes(size1: number, size2: number): number[] {
  return consistencyPlan(size1, size2).indexes;
}

/** Returns the consistency proof from the tree of `size1` leaves to the tree of `size2` leaves from the stored hashes at consistencyProofIndexes(size1, size2). */
export function consistencyProofFromHashes(size1: number, size2: number, hashes: readonly Hash[]): Hash[] {
  return proofFromPlan('consistency proof', consistencyPlan(size1, size2), hashes);
}

/** Returns the consistency proof from the tree of `size1` leaves to the tree of `size2` leaves, reading from `reader` in one call. */
export function proveConsistency(size1: number, size2: number, reader: HashReader): Hash[] {
  const plan = consistencyPlan(size1, size2);
  return proofFromPlan('consistency proof', plan, readPlan(plan, reader));
}

/** Like proveConsistency, reading from the asynchronous `reader`. */
export async function proveConsistencyAsync(size1: number, size2: number, reader: AsyncHashReader): Promise<Hash[]> {
  const plan = consistencyPlan(size1, size2);
  return proofFromPlan('consistency proof', plan, await readPlanAsync(plan, reader));
}
