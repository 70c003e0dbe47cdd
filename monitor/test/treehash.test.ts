import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MemoryTree, leafHash, nodeHash, nodeHashInto } from '../../src/merkle/index.ts';
import { CompactRange } from '../compact.ts';
import { foldPerfect, leafHashInto } from '../treehash.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('treehash (the audit hot loop) agrees with src/merkle', () => {
  it('leafHashInto = leafHash for leaves anywhere in a buffer, up to 65,535 bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), fc.nat(40), fc.nat(40), (leaf, before, at) => {
        const src = new Uint8Array(before + leaf.length + 5).fill(0xa5);
        src.set(leaf, before);
        const out = new Uint8Array(at + 32 + 7).fill(0x5a);
        leafHashInto(src, before, before + leaf.length, out, at);
        assert.equal(hex(out.subarray(at, at + 32)), hex(leafHash(leaf)));
        assert.ok(out.subarray(0, at).every((x) => x === 0x5a) && out.subarray(at + 32).every((x) => x === 0x5a), 'writes only its 32 bytes');
      }),
      { seed: 21, numRuns: 300 },
    );
    const big = new Uint8Array(65_535).map((_, i) => i * 13);
    const out = new Uint8Array(32);
    leafHashInto(big, 0, big.length, out, 0);
    assert.equal(hex(out), hex(leafHash(big)));
    assert.throws(() => leafHashInto(new Uint8Array(65_536), 0, 65_536, out, 0), RangeError);
  });

  it('src/merkle nodeHashInto within one flat buffer (as foldPerfect calls it) = nodeHash, also in place', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), (l, r) => {
        const h = new Uint8Array(64);
        h.set(l, 0);
        h.set(r, 32);
        const want = hex(nodeHash(l, r));
        const out = new Uint8Array(32);
        nodeHashInto(h, 0, h, 32, out, 0);
        assert.equal(hex(out), want);
        nodeHashInto(h, 0, h, 32, h, 0);
        assert.equal(hex(h.subarray(0, 32)), want);
      }),
      { seed: 22, numRuns: 200 },
    );
  });

  it('foldPerfect gives the RFC 6962 root of 2^k leaf hashes', () => {
    for (const k of [0, 1, 2, 5, 8]) {
      const tree = new MemoryTree();
      const h = new Uint8Array(32 << k);
      for (let i = 0; i < 1 << k; i++) {
        const leaf = new TextEncoder().encode(`leaf ${k}/${i}`);
        tree.append(leaf);
        h.set(leafHash(leaf), 32 * i);
      }
      foldPerfect(h, 1 << k);
      assert.equal(hex(h.subarray(0, 32)), hex(tree.root()), `2^${k} leaves`);
    }
    assert.throws(() => foldPerfect(new Uint8Array(96), 3), RangeError);
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
          foldPerfect(hs, 2 ** level);
          bySubtree.appendSubtree(level, hs.subarray(0, 32));
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
