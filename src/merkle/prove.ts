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
import { malformed } from '../base/errors.ts';
import { pow2, shr, trailingZeros } from './bits.ts';
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
  const hashes = plan.indexes.length === 0 ? [] : reader.readHashes(plan.indexes);
  checkReadHashes(plan.indexes.length, hashes);
  return proofFromPlan(size1 === undefined ? 'inclusion proof' : 'consistency proof', plan, hashes, cache);
}

/**
 * Proof entries already rendered as text for one tree size: `entries` by what they hash (a stored index ≥ 0 for a
 * complete node, −1 − lo for the incomplete right-border subtree starting at leaf lo), and `upper` by block: the
 * joined entries above level BLOCK_LEVEL shared by every leaf of a complete 2^BLOCK_LEVEL-leaf block. Owned by
 * one tree and one rendering; reset when the size changes.
 */
export interface ProofTextCache {
  size: number;
  readonly entries: Map<number, string>;
  readonly upper: Map<number, { text: string; count: number }>;
}

/** Leaves of one block share their proofs above this level (a block is one tile of leaves). */
const BLOCK_LEVEL = 8;
const BLOCK_LEAVES = 2 ** BLOCK_LEVEL;

/**
 * The inclusion proof of leaf `index` in the tree of `size` leaves as text: each hash passed through `render`
 * and the results joined bottom-up, with `count` entries. For a server answering a batch of consecutive leaves:
 * every distinct proof entry of a size is rendered once (`cache`), and a leaf of a complete block of 256 leaves
 * costs its 8 entries within the block plus one lookup of the block's shared upper part. Same preconditions and
 * errors as proveInclusion; the text is `proveInclusion(...).map(render).join('')`.
 */
export function proveInclusionText(
  reader: HashReader,
  folds: FoldCache,
  cache: ProofTextCache,
  size: number,
  index: number,
  render: (h: Hash) => string,
): { text: string; count: number } {
  checkTreeSize('size', size);
  checkUint('index', index);
  if (index >= size) throw malformed('index must be below the tree size', { index, size });
  if (cache.size !== size) {
    cache.entries.clear();
    cache.upper.clear();
    cache.size = size;
  }
  if (folds.size !== size) resetFolds(folds, size);
  const block = Math.floor(index / BLOCK_LEAVES);
  if ((block + 1) * BLOCK_LEAVES > size) {
    // The block holding the last leaves: plan it whole.
    return renderPlan(reader, folds, cache, inclusionPlan(index, size), render);
  }
  // RFC 9162 §2.1.3.1 within a complete block: the sibling at each level below BLOCK_LEVEL is a complete node.
  let text = '';
  for (let j = 0, node = index; j < BLOCK_LEVEL; j++, node = Math.floor(node / 2)) {
    text += renderStored(reader, cache, storedIndexUnchecked(j, node % 2 === 0 ? node + 1 : node - 1), render);
  }
  let upper = cache.upper.get(block);
  if (upper === undefined) {
    const plan: ProofPlan = { indexes: [], groups: [], los: [] };
    addPath(BLOCK_LEVEL, block, size, plan);
    upper = renderPlan(reader, folds, cache, plan, render);
    cache.upper.set(block, upper);
  }
  return { text: text + upper.text, count: BLOCK_LEVEL + upper.count };
}

function renderStored(reader: HashReader, cache: ProofTextCache, stored: number, render: (h: Hash) => string): string {
  let value = cache.entries.get(stored);
  if (value === undefined) {
    const hashes = reader.readHashes([stored]);
    checkReadHashes(1, hashes);
    value = render(hashes[0].slice());
    cache.entries.set(stored, value);
  }
  return value;
}

function renderPlan(reader: HashReader, folds: FoldCache, cache: ProofTextCache, plan: ProofPlan, render: (h: Hash) => string): { text: string; count: number } {
  let text = '';
  let k = 0;
  for (let g = 0; g < plan.groups.length; g++) {
    const count = plan.groups[g];
    if (count === 1) {
      text += renderStored(reader, cache, plan.indexes[k], render);
    } else {
      const key = -1 - plan.los[g];
      let value = cache.entries.get(key);
      if (value === undefined) {
        const indexes = plan.indexes.slice(k, k + count);
        const hashes = reader.readHashes(indexes);
        checkReadHashes(count, hashes);
        value = render(proofFromPlan('inclusion proof', { indexes, groups: [count], los: [plan.los[g]] }, hashes, folds)[0]);
        cache.entries.set(key, value);
      }
      text += value;
    }
    k += count;
  }
  return { text, count: plan.groups.length };
}

function resetFolds(cache: FoldCache, size: number): void {
  cache.folds.clear();
  cache.size = size;
}

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
  const hashes = plan.indexes.length === 0 ? [] : reader.readHashes(plan.indexes);
  checkReadHashes(plan.indexes.length, hashes);
  return proofFromPlan('inclusion proof', plan, hashes);
}

/** Like proveInclusion, reading from the asynchronous `reader`. */
export async function proveInclusionAsync(index: number, size: number, reader: AsyncHashReader): Promise<Hash[]> {
  const plan = inclusionPlan(index, size);
  const hashes = plan.indexes.length === 0 ? [] : await reader.readHashes(plan.indexes);
  checkReadHashes(plan.indexes.length, hashes);
  return proofFromPlan('inclusion proof', plan, hashes);
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
  const hashes = plan.indexes.length === 0 ? [] : reader.readHashes(plan.indexes);
  checkReadHashes(plan.indexes.length, hashes);
  return proofFromPlan('consistency proof', plan, hashes);
}

/** Like proveConsistency, reading from the asynchronous `reader`. */
export async function proveConsistencyAsync(size1: number, size2: number, reader: AsyncHashReader): Promise<Hash[]> {
  const plan = consistencyPlan(size1, size2);
  const hashes = plan.indexes.length === 0 ? [] : await reader.readHashes(plan.indexes);
  checkReadHashes(plan.indexes.length, hashes);
  return proofFromPlan('consistency proof', plan, hashes);
}
