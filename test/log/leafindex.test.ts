import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTree } from '../../src/merkle/memory.ts';
import { LeafHashIndex } from '../../src/log/leafindex.ts';

describe('LeafHashIndex', () => {
  it('finds every leaf by its hash, below the bound only, while the tree grows past several table sizes', () => {
    const tree = new MemoryTree();
    const index = new LeafHashIndex(tree);
    for (let round = 0; round < 5; round++) {
      const from = tree.size;
      for (let i = 0; i < 1500; i++) tree.append(Uint8Array.of(round, i & 0xff, i >> 8));
      for (let i = 0; i < tree.size; i += 7) assert.equal(index.find(tree.leafHash(i), tree.size), i, `leaf ${i}`);
      // Leaves at or beyond the bound are not revealed.
      assert.equal(index.find(tree.leafHash(tree.size - 1), from), undefined);
    }
    assert.equal(index.find(new Uint8Array(32), tree.size), undefined);
  });

  it('answers the smallest index when hashes share their first 4 bytes or repeat', () => {
    const tree = new MemoryTree();
    const index = new LeafHashIndex(tree);
    const a = new Uint8Array(32).fill(1);
    const b = new Uint8Array(32).fill(1);
    b[31] = 2; // same 4-byte prefix as a
    tree.appendLeafHash(b);
    tree.appendLeafHash(a);
    tree.appendLeafHash(a);
    assert.equal(index.find(a, 3), 1);
    assert.equal(index.find(b, 3), 0);
    assert.equal(index.find(a, 1), undefined);
  });
});
