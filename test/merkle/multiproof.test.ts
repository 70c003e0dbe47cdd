import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { RootMismatchError } from '../../src/base/errors.ts';
import {
  MemoryTree,
  multiInclusionProofFromHashes,
  multiInclusionProofIndexes,
  multiInclusionProofRanges,
  proveMultiInclusion,
  rootFromMultiInclusionProof,
  verifyMultiInclusion,
} from '../../src/merkle/index.ts';
import { RefTree, assertStamplogError, hex, onlyStamplogErrors, refLeaf } from './reference.ts';

const leafData = (i: number) => new Uint8Array([i & 255, (i >> 8) & 255, (i >> 16) & 255, 7]);

/** A MemoryTree and the RFC reference over the same leaves. */
function trees(size: number): { tree: MemoryTree; ref: RefTree } {
  const tree = new MemoryTree();
  const leaves: Uint8Array[] = [];
  for (let i = 0; i < size; i++) {
    tree.append(leafData(i));
    leaves.push(refLeaf(leafData(i)));
  }
  return { tree, ref: new RefTree(leaves) };
}

/**
 * The proof written from the module comment's definition on top of the reference tree: the hashes of the maximal
 * subtrees of the RFC 6962 recursion without a chosen leaf, left to right.
 */
function refMultiProof(ref: RefTree, chosen: Set<number>, lo: number, hi: number): Uint8Array[] {
  let any = false;
  for (let i = lo; i < hi && !any; i++) any = chosen.has(i);
  if (!any) return [ref.mth(lo, hi)];
  if (hi - lo === 1) return [];
  let k = 1;
  while (k * 2 < hi - lo) k *= 2;
  return [...refMultiProof(ref, chosen, lo, lo + k), ...refMultiProof(ref, chosen, lo + k, hi)];
}

/** A size and a non-empty strictly increasing set of indexes below it. */
const sizeAndIndexes = fc.integer({ min: 1, max: 300 }).chain((size) =>
  fc.tuple(
    fc.constant(size),
    fc.uniqueArray(fc.nat({ max: size - 1 }), { minLength: 1, maxLength: Math.min(size, 40) }).map((a) => a.sort((x, y) => x - y)),
  ),
);

const big = trees(300);
const leafHashesAt = (indexes: readonly number[]) => indexes.map((i) => big.ref.leaves[i]);

describe('multi-leaf inclusion proofs', () => {
  it('are the reference proof byte for byte and verify against the reference root (property)', () => {
    fc.assert(
      fc.property(sizeAndIndexes, ([size, indexes]) => {
        const proof = big.tree.proveMultiInclusion(indexes, size);
        assert.deepEqual(proof.map(hex), refMultiProof(big.ref, new Set(indexes), 0, size).map(hex));
        const root = big.ref.mth(0, size);
        assert.equal(hex(rootFromMultiInclusionProof(indexes, leafHashesAt(indexes), size, proof)), hex(root));
        verifyMultiInclusion(indexes, leafHashesAt(indexes), size, proof, root);
      }),
      { numRuns: 400 },
    );
  });

  it('for one leaf hold the hashes of its RFC 9162 inclusion proof', () => {
    for (const size of [1, 2, 3, 7, 8, 9, 100, 255, 256, 300]) {
      for (let i = 0; i < size; i += 7) {
        const multi = big.tree.proveMultiInclusion([i], size).map(hex).sort();
        assert.deepEqual(multi, big.ref.path(i, 0, size).map(hex).sort(), `leaf ${i} of ${size}`);
      }
    }
  });

  it('for every leaf of a tree is empty, and for a batch of consecutive leaves stays about two hashes a level', () => {
    const all = Array.from({ length: 300 }, (_, i) => i);
    assert.deepEqual(big.tree.proveMultiInclusion(all, 300), []);
    verifyMultiInclusion(all, leafHashesAt(all), 300, [], big.ref.mth(0, 300));
    const batch = Array.from({ length: 100 }, (_, i) => 137 + i);
    const proof = big.tree.proveMultiInclusion(batch, 300);
    assert.ok(proof.length <= 2 * 9, `${proof.length} hashes`);
    verifyMultiInclusion(batch, leafHashesAt(batch), 300, proof, big.ref.mth(0, 300));
  });

  it('read their stored hashes in one call, and the pure halves give the same proof', () => {
    const calls: (readonly number[])[] = [];
    const reader = { readHashes: (i: readonly number[]) => (calls.push(i), big.tree.readHashes(i)) };
    const indexes = [3, 4, 5, 90, 200, 201];
    const proof = proveMultiInclusion(indexes, 250, reader);
    assert.equal(calls.length, 1);
    assert.deepEqual(calls[0], multiInclusionProofIndexes(indexes, 250));
    assert.deepEqual(multiInclusionProofFromHashes(indexes, 250, big.tree.readHashes(calls[0])).map(hex), proof.map(hex));
    assert.deepEqual(big.tree.proveMultiInclusion(indexes, 250).map(hex), proof.map(hex));
    assert.equal(multiInclusionProofRanges(indexes, 250).length, proof.length);
  });

  it('fail for any changed proof hash, leaf hash, index or size (property)', () => {
    fc.assert(
      fc.property(sizeAndIndexes, fc.nat(), fc.nat({ max: 255 }), fc.integer({ min: 0, max: 4 }), ([size, indexes], pick, bit, what) => {
        const proof = big.tree.proveMultiInclusion(indexes, size);
        const leaves = leafHashesAt(indexes);
        const root = big.ref.mth(0, size);
        const flip = (h: Uint8Array) => {
          const c = h.slice();
          c[bit % 32] ^= 1 << bit % 8;
          return c;
        };
        if (what === 0 && proof.length > 0) {
          const bad = proof.slice();
          bad[pick % bad.length] = flip(bad[pick % bad.length]);
          assert.throws(() => verifyMultiInclusion(indexes, leaves, size, bad, root), RootMismatchError);
        } else if (what === 1) {
          const bad = leaves.slice();
          bad[pick % bad.length] = flip(bad[pick % bad.length]);
          assert.throws(() => verifyMultiInclusion(indexes, bad, size, proof, root), RootMismatchError);
        } else if (what === 2) {
          // Another set of positions for the same leaf hashes: refused (wrong length or wrong root).
          const moved = indexes.slice();
          const at = pick % moved.length;
          const to = moved[at] + 1;
          if (to < size && (at + 1 === moved.length || to < moved[at + 1])) {
            moved[at] = to;
            assertStamplogError(() => verifyMultiInclusion(moved, leaves, size, proof, root), 'PROOF_MISMATCH');
          }
        } else if (what === 3) {
          // The same proof claimed for a larger tree with that tree's root.
          const other = Math.min(300, size + 1 + (pick % 5));
          if (other > size) assertStamplogError(() => verifyMultiInclusion(indexes, leaves, other, proof, big.ref.mth(0, other)), 'PROOF_MISMATCH');
        } else {
          assertStamplogError(() => verifyMultiInclusion(indexes, leaves, size, [...proof, proof[0] ?? root], root), 'PROOF_MISMATCH');
          if (proof.length > 0) assertStamplogError(() => verifyMultiInclusion(indexes, leaves, size, proof.slice(1), root), 'PROOF_MISMATCH');
        }
      }),
      { numRuns: 600 },
    );
  });

  it('refuse malformed arguments before any hashing', () => {
    const root = big.ref.mth(0, 10);
    const h = big.ref.leaves[0];
    assertStamplogError(() => rootFromMultiInclusionProof([], [], 10, []), 'MALFORMED');
    assertStamplogError(() => rootFromMultiInclusionProof([2, 1], [h, h], 10, []), 'MALFORMED');
    assertStamplogError(() => rootFromMultiInclusionProof([1, 1], [h, h], 10, []), 'MALFORMED');
    assertStamplogError(() => rootFromMultiInclusionProof([1.5], [h], 10, []), 'MALFORMED');
    assertStamplogError(() => rootFromMultiInclusionProof([-1], [h], 10, []), 'MALFORMED');
    assertStamplogError(() => rootFromMultiInclusionProof([1], [h, h], 10, []), 'MALFORMED');
    assertStamplogError(() => rootFromMultiInclusionProof([1], [h.subarray(1)], 10, big.tree.proveMultiInclusion([1], 10)), 'MALFORMED');
    assertStamplogError(() => rootFromMultiInclusionProof([1], [h], 10, Array.from({ length: 65 }, () => h)), 'MALFORMED');
    assertStamplogError(() => rootFromMultiInclusionProof([10], [h], 10, []), 'PROOF_MISMATCH');
    assertStamplogError(() => rootFromMultiInclusionProof([0], [h], 0, []), 'PROOF_MISMATCH');
    assertStamplogError(() => verifyMultiInclusion([0], [h], 10, big.tree.proveMultiInclusion([0], 10), root.subarray(2)), 'MALFORMED');
    assertStamplogError(() => big.tree.proveMultiInclusion([0], 301), 'NOT_FOUND');
    assertStamplogError(() => multiInclusionProofIndexes([0], 2 ** 52 + 1), 'MALFORMED');
  });

  it('throw only StamplogErrors on arbitrary input (fuzz)', () => {
    const anything = fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null), fc.uint8Array({ maxLength: 40 }));
    fc.assert(
      fc.property(fc.array(anything, { maxLength: 5 }), fc.array(anything, { maxLength: 5 }), anything, fc.array(anything, { maxLength: 8 }), (idx, leaves, size, proof) => {
        onlyStamplogErrors(() => rootFromMultiInclusionProof(idx as number[], leaves as Uint8Array[], size as number, proof as Uint8Array[]));
      }),
      { numRuns: 500 },
    );
  });
});
