import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTree, leafHash, proveInclusion, treeHashIndexes } from '../../src/merkle/index.ts';
import { CompactRange, borderNodes, foldBorder, nodeProofFromLeafProof, nodeStoredIndex, rootFromNodeProof } from '../compact.ts';

function leaf(i: number): Uint8Array {
  return new TextEncoder().encode(`leaf ${i}`);
}

function treeOf(n: number): MemoryTree {
  const t = new MemoryTree();
  for (let i = 0; i < n; i++) t.append(leaf(i));
  return t;
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
      assert.deepEqual(borderNodes(n).map(nodeStoredIndex), treeHashIndexes(n), `border nodes of size ${n}`);
    }
  });

  it('resumes from a persisted border', () => {
    const tree = treeOf(77);
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

describe('node proofs', () => {
  it('prove every complete node of every tree up to 70 leaves, and fail with any flipped bit', () => {
    for (let n = 1; n <= 70; n++) {
      const tree = treeOf(n);
      const root = tree.root();
      for (let k = 0; 2 ** k <= n; k++) {
        for (let i = 0; (i + 1) * 2 ** k <= n; i++) {
          const node = { level: k, index: i };
          const [h] = tree.readHashes([nodeStoredIndex(node)]);
          const proof = nodeProofFromLeafProof(node, n, proveInclusion(i * 2 ** k, n, tree));
          assert.deepEqual(rootFromNodeProof(node, h, n, proof), root, `node (${k}, ${i}) in size ${n}`);
          if (proof.length > 0) {
            const bad = proof.map((p) => p.slice());
            bad[proof.length - 1][0] ^= 1;
            assert.notDeepEqual(rootFromNodeProof(node, h, n, bad), root);
          }
          const h2 = h.slice();
          h2[31] ^= 0x80;
          assert.notDeepEqual(rootFromNodeProof(node, h2, n, proof), root);
        }
      }
    }
  });

  it('refuses a node that is not complete in the tree', () => {
    assert.throws(() => rootFromNodeProof({ level: 2, index: 1 }, new Uint8Array(32), 7, []), { code: 'PROOF_MISMATCH' });
  });

  it('folds the border of size m in tree n to the root of m', () => {
    const big = treeOf(100);
    for (let m = 0; m <= 100; m++) {
      const hs = big.readHashes(borderNodes(m).map(nodeStoredIndex));
      assert.deepEqual(foldBorder(hs), treeOf(m).root());
    }
  });
});
