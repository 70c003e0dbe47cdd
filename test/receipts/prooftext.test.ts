// Inclusion proofs as text equal proveInclusion rendered and joined, each distinct entry rendered once a size.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTree } from '../../src/merkle/index.ts';
import { ProofTextCache } from '../../src/receipts/prooftext.ts';

describe('ProofTextCache', () => {
  it('is proveInclusion rendered and joined, for every leaf of every size, each distinct entry rendered once a size', () => {
    const tree = new MemoryTree();
    for (let i = 0; i < 1100; i++) tree.append(Uint8Array.of(i & 0xff, i >> 8));
    let renders = 0;
    const render = (h: Uint8Array) => {
      renders++;
      return `${Buffer.from(h).toString('hex')},`;
    };
    const cache = new ProofTextCache(tree, render);
    // Sizes out of order and revisited, so that the cache is reset and refilled; around block (256) boundaries.
    const sizes = [...Array.from({ length: 70 }, (_, i) => i + 1), 255, 256, 257, 511, 512, 513, 767, 768, 1024, 1025, 1100, 300, 1100];
    for (const size of sizes) {
      const before = renders;
      const distinct = new Set<string>();
      for (let index = 0; index < size; index++) {
        const expected = tree.proveInclusion(index, size).map((h) => `${Buffer.from(h).toString('hex')},`);
        const got = cache.prove(index, size);
        assert.equal(got.text, expected.join(''), `index ${index} size ${size}`);
        assert.equal(got.count, expected.length, `index ${index} size ${size}`);
        for (const [k, h] of expected.entries()) distinct.add(`${k}:${h}`);
      }
      assert.ok(renders - before <= distinct.size, `size ${size}: ${renders - before} renders for ${distinct.size} distinct entries`);
    }
  });

  it('refuses what proveInclusion refuses', () => {
    const tree = new MemoryTree();
    for (let i = 0; i < 1100; i++) tree.append(Uint8Array.of(i & 0xff, i >> 8));
    const cache = new ProofTextCache(tree, (h) => Buffer.from(h).toString('hex'));
    assert.throws(() => cache.prove(1100, 1100), /below the tree size/);
    assert.throws(() => cache.prove(-1, 1100), /non-negative safe integer/);
    assert.throws(() => cache.prove(1.5, 1100), /non-negative safe integer/);
    assert.throws(() => cache.prove(0, 1101), /exceeds the tree size/);
    assert.throws(() => cache.prove(0, 1000.5), /non-negative safe integer/);
  });
});
