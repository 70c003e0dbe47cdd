import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RootMismatchError } from '../../src/base/errors.ts';
import {
  EMPTY_ROOT,
  MAX_PROOF_HASHES,
  MemoryTree,
  emptyRoot,
  rootFromInclusionProof,
  rootsFromConsistencyProof,
  verifyConsistency,
  verifyInclusion,
} from '../../src/merkle/index.ts';
import { assertStamplogError, hex } from './reference.ts';

const tree = new MemoryTree();
for (let i = 0; i < 20; i++) tree.append(new Uint8Array([i]));
const h = (b: number): Uint8Array => new Uint8Array(32).fill(b);

describe('verifyInclusion', () => {
  it('throws RootMismatchError carrying the expected and calculated roots', () => {
    const p = tree.proveInclusion(5, 20);
    const wrong = h(9);
    assert.throws(
      () => verifyInclusion(tree.leafHash(5), 5, 20, p, wrong),
      (e) => e instanceof RootMismatchError && e.code === 'PROOF_MISMATCH' && hex(e.expected) === hex(wrong) && hex(e.calculated) === hex(tree.root()),
    );
  });

  it('does not modify the leaf hash, the proof or the root it is given', () => {
    const leaf = tree.leafHash(6);
    const p = tree.proveInclusion(6, 20);
    const root = tree.root();
    const before = [leaf, ...p, root].map(hex);
    verifyInclusion(leaf, 6, 20, p, root);
    assert.notEqual(rootFromInclusionProof(leaf, 6, 20, p), leaf);
    assert.deepEqual([leaf, ...p, root].map(hex), before);
    const single = new MemoryTree();
    single.append(new Uint8Array([1]));
    const l = single.leafHash(0);
    const r = rootFromInclusionProof(l, 0, 1, []);
    assert.equal(hex(r), hex(l));
    r.fill(0);
    assert.notEqual(hex(l), hex(r), 'the returned root is a copy, not the leaf hash itself');
  });

  it('classifies failures: MALFORMED for bad numbers and hashes, PROOF_MISMATCH for index ≥ size and wrong lengths', () => {
    const p = tree.proveInclusion(3, 20);
    const leaf = tree.leafHash(3);
    const root = tree.root();
    assertStamplogError(() => verifyInclusion(leaf, 3.5, 20, p, root), 'MALFORMED');
    assertStamplogError(() => verifyInclusion(leaf, 3, 2 ** 53, p, root), 'MALFORMED');
    assertStamplogError(() => verifyInclusion(leaf, -3, 20, p, root), 'MALFORMED');
    assertStamplogError(() => verifyInclusion(leaf.subarray(1), 3, 20, p, root), 'MALFORMED');
    assertStamplogError(() => verifyInclusion(leaf, 3, 20, p, root.subarray(1)), 'MALFORMED');
    assertStamplogError(() => verifyInclusion(leaf, 20, 20, p, root), 'PROOF_MISMATCH');
    assertStamplogError(() => verifyInclusion(leaf, 0, 0, [], root), 'PROOF_MISMATCH');
    assertStamplogError(() => verifyInclusion(leaf, 3, 20, p.slice(1), root), 'PROOF_MISMATCH');
    assertStamplogError(() => verifyInclusion(leaf, 3, 20, new Array(MAX_PROOF_HASHES).fill(h(1)), root), 'PROOF_MISMATCH');
    assertStamplogError(() => verifyInclusion(leaf, 3, 20, new Array(MAX_PROOF_HASHES + 1).fill(h(1)), root), 'MALFORMED');
  });
});

describe('verifyConsistency', () => {
  it('accepts equal sizes with an empty proof iff the roots are the same bytes', () => {
    verifyConsistency(7, 7, [], tree.rootAt(7), tree.rootAt(7));
    assert.throws(() => verifyConsistency(7, 7, [], tree.rootAt(7), tree.rootAt(8)), RootMismatchError);
    assertStamplogError(() => verifyConsistency(7, 7, [h(1)], tree.rootAt(7), tree.rootAt(7)), 'PROOF_MISMATCH');
    // As the transparency-dev vector sizes-are-equal-one-and-proof-is-empty requires: nothing is hashed,
    // so equal roots of another length are accepted too.
    verifyConsistency(1, 1, [], new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]));
  });

  it('knows the empty tree: (0, 0) needs the empty root twice; (0, n) needs an empty proof and the empty root', () => {
    verifyConsistency(0, 0, [], emptyRoot(), emptyRoot());
    assert.throws(() => verifyConsistency(0, 0, [], h(1), h(1)), RootMismatchError);
    verifyConsistency(0, 20, [], emptyRoot(), tree.root());
    assert.throws(() => verifyConsistency(0, 20, [], h(1), tree.root()), RootMismatchError);
    assertStamplogError(() => verifyConsistency(0, 20, [tree.root()], emptyRoot(), tree.root()), 'PROOF_MISMATCH');
    assertStamplogError(() => verifyConsistency(0, 20, [], emptyRoot(), tree.root().subarray(1)), 'MALFORMED');
    assertStamplogError(() => rootsFromConsistencyProof(0, 20, [], emptyRoot()), 'PROOF_MISMATCH');
    assert.deepEqual(rootsFromConsistencyProof(0, 0, [], h(5)), { root1: emptyRoot(), root2: emptyRoot() });
  });

  it('is unaffected by a caller overwriting the exported EMPTY_ROOT', () => {
    const saved = EMPTY_ROOT.slice();
    EMPTY_ROOT.fill(0);
    try {
      verifyConsistency(0, 0, [], saved, saved);
      assert.equal(hex(tree.rootAt(0)), hex(saved));
    } finally {
      EMPTY_ROOT.set(saved);
    }
  });

  it('throws RootMismatchError naming the old tree or the new tree, and never modifies its inputs', () => {
    const p = tree.proveConsistency(6, 20);
    const before = p.map(hex);
    assert.throws(() => verifyConsistency(6, 20, p, h(1), tree.root()), (e) => e instanceof RootMismatchError && /old tree/.test(e.message));
    assert.throws(() => verifyConsistency(6, 20, p, tree.rootAt(6), h(1)), (e) => e instanceof RootMismatchError && /new tree/.test(e.message));
    const root8 = tree.rootAt(8);
    const p8 = tree.proveConsistency(8, 20); // power of two: root1 is the seed
    verifyConsistency(8, 20, p8, root8, tree.root());
    assert.equal(hex(root8), hex(tree.rootAt(8)));
    assert.deepEqual(p.map(hex), before);
  });

  it('classifies failures: MALFORMED for bad numbers and hashes, PROOF_MISMATCH for size1 > size2 and wrong lengths', () => {
    const p = tree.proveConsistency(6, 20);
    const r1 = tree.rootAt(6);
    const r2 = tree.root();
    assertStamplogError(() => verifyConsistency(6, 20.5, p, r1, r2), 'MALFORMED');
    assertStamplogError(() => verifyConsistency(NaN, 20, p, r1, r2), 'MALFORMED');
    assertStamplogError(() => verifyConsistency(6, 20, p, r1.subarray(2), r2), 'MALFORMED');
    assertStamplogError(() => verifyConsistency(6, 20, p, r1, new Uint8Array(33)), 'MALFORMED');
    assertStamplogError(() => verifyConsistency(6, 20, [...p.slice(1), new Uint8Array(31)], r1, r2), 'MALFORMED');
    assertStamplogError(() => verifyConsistency(20, 6, p, r1, r2), 'PROOF_MISMATCH');
    assertStamplogError(() => verifyConsistency(6, 20, [], r1, r2), 'PROOF_MISMATCH');
    assertStamplogError(() => verifyConsistency(6, 20, [...p, p[0]], r1, r2), 'PROOF_MISMATCH');
  });
});
