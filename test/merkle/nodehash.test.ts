import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { leafHash, leafHashInto, nodeHash, nodeHashInto } from '../../src/merkle/index.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('leafHashInto and nodeHashInto (flat buffers) agree with leafHash and nodeHash', () => {
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
});
