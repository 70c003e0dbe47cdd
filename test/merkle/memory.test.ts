import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  EMPTY_ROOT,
  MemoryTree,
  inclusionProofEntries,
  leafHash,
  proveConsistency,
  proveInclusion,
  splitStoredHashIndex,
  storedHashCount,
  treeHash,
  verifyConsistency,
  verifyInclusion,
} from '../../src/merkle/index.ts';
import { RefTree, assertStamplogError, hex, refLeaf } from './reference.ts';

function build(leafData: Uint8Array[], capacity = 1): MemoryTree {
  const t = new MemoryTree(capacity);
  leafData.forEach((d, i) => assert.equal(t.append(d), i));
  return t;
}

describe('MemoryTree', () => {
  it('starts empty with the empty root', () => {
    const t = new MemoryTree();
    assert.equal(t.size, 0);
    assert.equal(t.storedHashCount, 0);
    assert.equal(hex(t.root()), hex(EMPTY_ROOT));
    assert.equal(hex(t.rootAt(0)), hex(EMPTY_ROOT));
  });

  it('matches a naive recursive RFC 6962 MTH on random leaves and random sizes, at every earlier size too', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1500 }), fc.uint8Array({ maxLength: 24 }), (size, salt) => {
        // Leaf i = salt || i (4 bytes): random content, distinct leaves.
        const data = Array.from({ length: size }, (_, i) => {
          const d = new Uint8Array(salt.length + 4);
          d.set(salt);
          new DataView(d.buffer).setUint32(salt.length, i);
          return d;
        });
        const t = build(data);
        const ref = new RefTree(data.map(refLeaf));
        assert.equal(t.size, data.length);
        assert.equal(t.storedHashCount, storedHashCount(data.length));
        assert.equal(hex(t.root()), hex(ref.mth(0, data.length)));
        for (let s = 0; s <= data.length; s++) assert.equal(hex(t.rootAt(s)), hex(ref.mth(0, s)), `rootAt(${s})`);
      }),
      { seed: 31, numRuns: 25 },
    );
  });

  it('keeps root() current after every append (cache invalidated) across reallocations', () => {
    const t = new MemoryTree(1);
    const leaves: Uint8Array[] = [];
    for (let i = 0; i < 1100; i++) {
      const d = new Uint8Array([i & 0xff, i >> 8, 7]);
      leaves.push(refLeaf(d));
      t.append(d);
      if (i % 37 === 0 || i > 1020) assert.equal(hex(t.root()), hex(new RefTree(leaves).mth(0, leaves.length)), `size ${i + 1}`);
    }
  });

  it('appendLeafHash(leafHash(d)) builds the same tree as append(d)', () => {
    const data = Array.from({ length: 77 }, (_, i) => new Uint8Array([i, i * 3]));
    const a = build(data);
    const b = new MemoryTree();
    for (const d of data) b.appendLeafHash(leafHash(d));
    assert.equal(hex(a.root()), hex(b.root()));
    const all = Array.from({ length: a.storedHashCount }, (_, i) => i);
    assert.deepEqual(a.readHashes(all).map(hex), b.readHashes(all).map(hex));
  });

  it('stores at every stored-hash index the MTH of the leaves that (level, n) covers', () => {
    const data = Array.from({ length: 513 }, (_, i) => new Uint8Array([i & 0xff, i >> 8]));
    const t = build(data);
    const ref = new RefTree(data.map(refLeaf));
    const hashes = t.readHashes(Array.from({ length: t.storedHashCount }, (_, i) => i));
    hashes.forEach((h, x) => {
      const { level, index } = splitStoredHashIndex(x);
      assert.equal(hex(h), hex(ref.mth(index * 2 ** level, (index + 1) * 2 ** level)), `stored ${x}`);
    });
    for (let i = 0; i < 513; i++) assert.equal(hex(t.leafHash(i)), hex(refLeaf(data[i])));
  });

  it('generates the same proofs as the generic functions reading it as a HashReader, and they verify', () => {
    const data = Array.from({ length: 200 }, (_, i) => new Uint8Array([i]));
    const t = build(data);
    const ref = new RefTree(data.map(refLeaf));
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.nat(), fc.nat(), (size, a, b) => {
        const index = a % size;
        const m = b % (size + 1);
        const p = t.proveInclusion(index, size);
        assert.deepEqual(p.map(hex), proveInclusion(index, size, t).map(hex));
        assert.deepEqual(p.map(hex), ref.path(index, 0, size).map(hex));
        verifyInclusion(refLeaf(data[index]), index, size, p, t.rootAt(size));
        const c = t.proveConsistency(m, size);
        assert.deepEqual(c.map(hex), proveConsistency(m, size, t).map(hex));
        verifyConsistency(m, size, c, t.rootAt(m), t.rootAt(size));
        assert.equal(hex(treeHash(size, t)), hex(t.rootAt(size)));
      }),
      { seed: 32, numRuns: 300 },
    );
  });

  it('defaults proofs to the current size', () => {
    const t = build(Array.from({ length: 10 }, (_, i) => new Uint8Array([i])));
    assert.deepEqual(t.proveInclusion(3).map(hex), t.proveInclusion(3, 10).map(hex));
    assert.deepEqual(t.proveConsistency(4).map(hex), t.proveConsistency(4, 10).map(hex));
  });

  it('returns copies: mutating a returned hash or proof does not change the tree', () => {
    const t = build(Array.from({ length: 9 }, (_, i) => new Uint8Array([i])));
    const root = hex(t.root());
    t.root().fill(0);
    t.readHashes([0, 2, 6])[1].fill(0);
    t.leafHash(0).fill(0);
    for (const h of t.proveInclusion(8)) h.fill(0);
    for (const h of t.proveConsistency(4)) h.fill(0);
    t.rootAt(8).fill(0);
    assert.equal(hex(t.root()), root);
    assert.equal(hex(t.rootAt(9)), root);
    assert.equal(hex(t.leafHash(0)), hex(refLeaf(new Uint8Array([0]))));
  });

  it('rejects reads beyond the tree with NOT_FOUND and bad arguments with MALFORMED', () => {
    const t = build(Array.from({ length: 5 }, (_, i) => new Uint8Array([i])));
    assertStamplogError(() => t.rootAt(6), 'NOT_FOUND');
    assertStamplogError(() => t.proveInclusion(0, 6), 'NOT_FOUND');
    assertStamplogError(() => t.proveConsistency(1, 6), 'NOT_FOUND');
    assertStamplogError(() => t.leafHash(5), 'NOT_FOUND');
    assertStamplogError(() => t.readHashes([storedHashCount(5)]), 'NOT_FOUND');
    assertStamplogError(() => t.proveInclusion(5), 'MALFORMED');
    assertStamplogError(() => t.proveConsistency(6, 5), 'MALFORMED');
    for (const bad of [-1, 1.5, NaN, Infinity, 2 ** 53]) {
      assertStamplogError(() => t.rootAt(bad), 'MALFORMED', String(bad));
      assertStamplogError(() => t.readHashes([bad]), 'MALFORMED', String(bad));
      assertStamplogError(() => t.proveInclusion(bad), 'MALFORMED', String(bad));
    }
    assertStamplogError(() => t.appendLeafHash(new Uint8Array(31)), 'MALFORMED');
    assertStamplogError(() => t.append('leaf' as unknown as Uint8Array), 'MALFORMED');
    assertStamplogError(() => new MemoryTree(-1), 'MALFORMED');
    assert.equal(t.size, 5);
  });

  it('handles 70,000 leaves (three tile levels) and proves any leaf of them', () => {
    const t = new MemoryTree();
    for (let i = 0; i < 70_000; i++) t.append(new Uint8Array([i & 0xff, (i >> 8) & 0xff, i >> 16]));
    const root = t.root();
    for (const i of [0, 1, 255, 256, 65_535, 65_536, 69_999]) {
      verifyInclusion(t.leafHash(i), i, 70_000, t.proveInclusion(i), root);
    }
    for (const m of [1, 256, 65_536, 69_999]) verifyConsistency(m, 70_000, t.proveConsistency(m), t.rootAt(m), root);
  });
});

describe('MemoryTree.proofEntry', () => {
  it('hashes the named entries of an inclusion proof into proveInclusion, for every leaf of every size', () => {
    const tree = new MemoryTree();
    for (let i = 0; i < 600; i++) tree.append(Uint8Array.of(i & 0xff, i >> 8));
    for (const size of [...Array.from({ length: 40 }, (_, i) => i + 1), 255, 256, 257, 511, 512, 513, 600, 300]) {
      for (let index = 0; index < size; index++) {
        const entries = inclusionProofEntries(0, index, size);
        assert.deepEqual(entries.map((e) => tree.proofEntry(e, size)), tree.proveInclusion(index, size), `index ${index} size ${size}`);
      }
      // A complete node's path is the tail of each of its leaves' paths.
      for (let level = 1; 2 ** level <= size; level++) {
        for (let node = 0; (node + 1) * 2 ** level <= size; node++) {
          const upper = inclusionProofEntries(level, node, size);
          assert.deepEqual(inclusionProofEntries(0, node * 2 ** level, size).slice(level), upper, `level ${level} node ${node} size ${size}`);
        }
      }
    }
  });

  it('refuses entries and nodes outside the tree', () => {
    const tree = new MemoryTree();
    for (let i = 0; i < 10; i++) tree.append(Uint8Array.of(i));
    assert.throws(() => inclusionProofEntries(0, 10, 10), /below the tree size/);
    assert.throws(() => inclusionProofEntries(2, 2, 10), /complete in the tree/);
    assert.throws(() => tree.proofEntry(storedHashCount(8), 8), /beyond the tree size/);
    assert.throws(() => tree.proofEntry(-1 - 8, 8), /beyond the tree size/);
    assert.throws(() => tree.proofEntry(0, 11), /exceeds the tree size/);
  });
});

describe('MemoryTree.snapshot / fromSnapshot', () => {
  it('gives back the same tree, which keeps growing like the original', () => {
    for (const size of [0, 1, 2, 3, 255, 256, 1000]) {
      const a = new MemoryTree();
      for (let i = 0; i < size; i++) a.append(Uint8Array.of(i & 0xff, i >> 8));
      const { size: n, stored } = a.snapshot();
      const b = MemoryTree.fromSnapshot(n, stored);
      assert.equal(b.size, size);
      assert.deepEqual(b.root(), a.root());
      for (let i = 0; i < 40; i++) {
        a.append(Uint8Array.of(9, i));
        b.append(Uint8Array.of(9, i));
      }
      assert.deepEqual(b.root(), a.root());
      assert.deepEqual(b.proveInclusion(size, size + 40), a.proveInclusion(size, size + 40));
    }
    assert.throws(() => MemoryTree.fromSnapshot(3, new Uint8Array(32 * 3)), /stored hashes/);
  });
});
