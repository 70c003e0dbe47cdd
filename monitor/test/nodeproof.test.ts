import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTree, proveInclusion, storedHashIndex, treeHashFromHashes, treeHashNodes } from '../../src/merkle/index.ts';
import { nodeProofFromLeafProof, rootFromNodeProof } from '../findings/index.ts';

function leaf(i: number): Uint8Array {
  return new TextEncoder().encode(`leaf ${i}`);
}

function treeOf(n: number): MemoryTree {
  const t = new MemoryTree();
  for (let i = 0; i < n; i++) t.append(leaf(i));
  return t;
}

describe('node proofs', () => {
  it('prove every complete node of every tree up to 70 leaves, and fail with any flipped bit', () => {
    for (let n = 1; n <= 70; n++) {
      const tree = treeOf(n);
      const root = tree.root();
      for (let k = 0; 2 ** k <= n; k++) {
        for (let i = 0; (i + 1) * 2 ** k <= n; i++) {
          const node = { level: k, index: i };
          const [h] = tree.readHashes([storedHashIndex(node.level, node.index)]);
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
      const hs = big.readHashes(treeHashNodes(m).map((x) => storedHashIndex(x.level, x.index)));
      assert.deepEqual(treeHashFromHashes(m, hs), treeOf(m).root());
    }
  });
});
