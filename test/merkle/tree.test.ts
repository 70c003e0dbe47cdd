import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CompactRange, MemoryTree, leafHash, nodeHash, storedHashIndex, treeHashIndexes, treeHashNodes } from '../../src/merkle/index.ts';
import { ascii, hex } from './reference.ts';

const leaf = (i: number): Uint8Array => ascii(`leaf ${i}`);

/** The root of the `count` (a power of two) hashes in h, folded pairwise with nodeHash (the reference). */
function foldPerfect(h: Uint8Array, count: number): Uint8Array {
  let level: Uint8Array[] = Array.from({ length: count }, (_, i) => h.slice(32 * i, 32 * i + 32));
  while (level.length > 1) level = Array.from({ length: level.length / 2 }, (_, i) => nodeHash(level[2 * i], level[2 * i + 1]));
  return level[0];
}

describe('CompactRange', () => {
  it('gives the RFC 6962 root and border for every size up to 300', () => {
    const tree = new MemoryTree();
    const cr = new CompactRange();
    assert.deepEqual(cr.root(), tree.root());
    for (let n = 1; n <= 300; n++) {
      tree.append(leaf(n - 1));
      cr.append(leafHash(leaf(n - 1)));
      assert.deepEqual(cr.root(), tree.root(), `root of size ${n}`);
      assert.ok(cr.matches(tree.readHashes(treeHashIndexes(n))), `border of size ${n}`);
      assert.deepEqual(treeHashNodes(n).map((x) => storedHashIndex(x.level, x.index)), treeHashIndexes(n), `treeHashNodes of size ${n}`);
    }
  });

  it('resumes from a persisted border', () => {
    const tree = new MemoryTree();
    for (let i = 0; i < 77; i++) tree.append(leaf(i));
    const cr = new CompactRange(77, tree.readHashes(treeHashIndexes(77)));
    for (let i = 77; i < 200; i++) {
      cr.append(leafHash(leaf(i)));
      tree.append(leaf(i));
    }
    assert.deepEqual(cr.root(), tree.root());
  });

  it('refuses a border that cannot belong to the size', () => {
    assert.throws(() => new CompactRange(3, [new Uint8Array(32)]), { code: 'MALFORMED' });
    assert.throws(() => new CompactRange(-1, []), { code: 'MALFORMED' });
  });
});

describe('CompactRange.appendSubtree', () => {
  it('is the same as appending the subtree leaf by leaf, at any aligned size', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 12 }), (levels) => {
        const byLeaf = new CompactRange();
        const bySubtree = new CompactRange();
        let n = 0;
        for (const level of levels) {
          // Pad with single leaves up to the next multiple of 2^level, then add a 2^level subtree.
          while (n % 2 ** level !== 0) {
            const h = leafHash(Uint8Array.of(n & 255, n >> 8));
            byLeaf.append(h);
            bySubtree.append(h);
            n++;
          }
          const hs = new Uint8Array(32 << level);
          for (let i = 0; i < 2 ** level; i++) {
            const h = leafHash(Uint8Array.of((n + i) & 255, (n + i) >> 8));
            byLeaf.append(h);
            hs.set(h, 32 * i);
          }
          bySubtree.appendSubtree(level, foldPerfect(hs, 2 ** level));
          n += 2 ** level;
          assert.equal(bySubtree.size, n);
          assert.deepEqual(bySubtree.hashes().map(hex), byLeaf.hashes().map(hex));
        }
        assert.equal(hex(bySubtree.root()), hex(byLeaf.root()));
      }),
      { seed: 23, numRuns: 150 },
    );
  });

  it('refuses a subtree that is not aligned or a hash that is not 32 bytes', () => {
    const cr = new CompactRange();
    cr.append(leafHash(new Uint8Array(1)));
    assert.throws(() => cr.appendSubtree(1, new Uint8Array(32)), /not aligned/);
    assert.throws(() => new CompactRange().appendSubtree(0, new Uint8Array(31)), /32 bytes/);
  });
});
