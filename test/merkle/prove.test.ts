import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_TREE_SIZE,
  MemoryTree,
  consistencyProofFromHashes,
  consistencyProofIndexes,
  inclusionProofFromHashes,
  inclusionProofIndexes,
  nodeHash,
  proveConsistency,
  proveConsistencyAsync,
  proveInclusion,
  proveInclusionAsync,
  storedHashIndex,
} from '../../src/merkle/index.ts';
import { assertStamplogError, hex } from './reference.ts';

const tree = new MemoryTree();
for (let i = 0; i < 100; i++) tree.append(new Uint8Array([i, 1]));

/** A reader that records every call. */
function counting(): { calls: (readonly number[])[]; readHashes: (i: readonly number[]) => Uint8Array[] } {
  const calls: (readonly number[])[] = [];
  return { calls, readHashes: (i) => (calls.push(i), tree.readHashes(i)) };
}

describe('proveInclusion', () => {
  it('reads once, only what it needs, and the pure halves give the same proof', async () => {
    const r = counting();
    const p = proveInclusion(37, 100, r);
    assert.equal(r.calls.length, 1);
    assert.deepEqual(r.calls[0], inclusionProofIndexes(37, 100));
    assert.deepEqual(inclusionProofFromHashes(37, 100, tree.readHashes(r.calls[0])).map(hex), p.map(hex));
    const asyncReader = { readHashes: async (i: readonly number[]) => tree.readHashes(i) };
    assert.deepEqual((await proveInclusionAsync(37, 100, asyncReader)).map(hex), p.map(hex));
  });

  it('needs no read for the one-leaf tree', () => {
    const r = counting();
    assert.deepEqual(proveInclusion(0, 1, r), []);
    assert.equal(r.calls.length, 0);
  });

  it('folds an incomplete right sibling from several stored hashes (index 0 of a 7-leaf tree)', () => {
    // PATH(0, D[7]) = [h1, MTH(2..4), MTH(4..7)], and MTH(4..7) is not stored: it is MTH(4..6) ⊕ h6.
    assert.deepEqual(inclusionProofIndexes(0, 7), [storedHashIndex(0, 1), storedHashIndex(1, 1), storedHashIndex(1, 2), storedHashIndex(0, 6)]);
    const p = proveInclusion(0, 7, tree);
    assert.equal(p.length, 3);
    assert.equal(hex(p[2]), hex(nodeHash(tree.readHashes([storedHashIndex(1, 2)])[0], tree.leafHash(6))));
  });

  it('rejects index ≥ size, sizes above 2^52 and non-integers with MALFORMED; bad readers with INTERNAL/CORRUPTION', () => {
    assertStamplogError(() => inclusionProofIndexes(5, 5), 'MALFORMED');
    assertStamplogError(() => inclusionProofIndexes(0, 0), 'MALFORMED');
    assertStamplogError(() => inclusionProofIndexes(0, MAX_TREE_SIZE + 1), 'MALFORMED');
    assertStamplogError(() => inclusionProofIndexes(1.5, 5), 'MALFORMED');
    assertStamplogError(() => inclusionProofFromHashes(3, 10, []), 'MALFORMED');
    assertStamplogError(() => proveInclusion(3, 10, { readHashes: () => [] }), 'INTERNAL');
    assertStamplogError(() => proveInclusion(3, 10, { readHashes: (i) => i.map(() => new Uint8Array(32 + 1)) }), 'CORRUPTION');
    assert.equal(inclusionProofIndexes(MAX_TREE_SIZE - 1, MAX_TREE_SIZE).length, 52);
  });
});

describe('proveConsistency', () => {
  it('is empty without a read for size1 = 0 and for size1 = size2', () => {
    const r = counting();
    assert.deepEqual(proveConsistency(0, 100, r), []);
    assert.deepEqual(proveConsistency(100, 100, r), []);
    assert.deepEqual(proveConsistency(0, 0, r), []);
    assert.equal(r.calls.length, 0);
  });

  it('omits the old root when size1 is a power of two and includes its last subtree otherwise', () => {
    // 4 → 8: the old tree is the left half; the proof is just MTH(4..8).
    assert.deepEqual(proveConsistency(4, 8, tree).map(hex), [hex(tree.readHashes([consistencyProofIndexes(4, 8)[0]])[0])]);
    // 6 → 8: [MTH(4..6), MTH(6..8), MTH(0..4)].
    assert.equal(proveConsistency(6, 8, tree).length, 3);
  });

  it('reads once and the pure and async halves agree', async () => {
    const r = counting();
    const p = proveConsistency(37, 100, r);
    assert.equal(r.calls.length, 1);
    assert.deepEqual(consistencyProofFromHashes(37, 100, tree.readHashes(r.calls[0])).map(hex), p.map(hex));
    const asyncReader = { readHashes: async (i: readonly number[]) => tree.readHashes(i) };
    assert.deepEqual((await proveConsistencyAsync(37, 100, asyncReader)).map(hex), p.map(hex));
  });

  it('rejects size1 > size2, sizes above 2^52 and non-integers with MALFORMED', () => {
    assertStamplogError(() => consistencyProofIndexes(6, 5), 'MALFORMED');
    assertStamplogError(() => consistencyProofIndexes(1, MAX_TREE_SIZE + 1), 'MALFORMED');
    assertStamplogError(() => consistencyProofIndexes(-1, 5), 'MALFORMED');
    assertStamplogError(() => consistencyProofIndexes(1, Infinity), 'MALFORMED');
    assertStamplogError(() => consistencyProofFromHashes(3, 10, []), 'MALFORMED');
  });
});
