import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { bitLength, bitSet, isPowerOfTwo, popcount, shr, trailingZeros } from '../../src/merkle/bits.ts';

const MAX = Number.MAX_SAFE_INTEGER;
// Safe integers with extra weight on the 32-bit boundary and the top of the range.
const safe = fc.oneof(
  fc.nat({ max: MAX }),
  fc.integer({ min: 2 ** 32 - 3, max: 2 ** 32 + 3 }),
  fc.integer({ min: MAX - 5, max: MAX }),
  fc.integer({ min: 0, max: 40 }).map((k) => 2 ** Math.min(k, 52)),
);

function refPopcount(x: bigint): number {
  let n = 0;
  for (; x > 0n; x >>= 1n) n += Number(x & 1n);
  return n;
}

describe('bits (53-bit arithmetic on JS numbers)', () => {
  it('popcount, bitLength and trailingZeros match BigInt arithmetic on safe integers', () => {
    fc.assert(
      fc.property(safe, (x) => {
        const b = BigInt(x);
        assert.equal(popcount(x), refPopcount(b), `popcount(${x})`);
        assert.equal(bitLength(x), b === 0n ? 0 : b.toString(2).length, `bitLength(${x})`);
        if (x > 0) {
          const bin = b.toString(2);
          assert.equal(trailingZeros(x), bin.length - 1 - bin.lastIndexOf('1'), `trailingZeros(${x})`);
        }
        assert.equal(isPowerOfTwo(x), x > 0 && refPopcount(b) === 1);
      }),
      { seed: 11, numRuns: 2000 },
    );
  });

  it('shr and bitSet match BigInt shifts for every shift 0..63', () => {
    fc.assert(
      fc.property(safe, fc.integer({ min: 0, max: 63 }), (x, k) => {
        assert.equal(shr(x, k), Number(BigInt(x) >> BigInt(k)), `shr(${x}, ${k})`);
        assert.equal(bitSet(x, k), ((BigInt(x) >> BigInt(k)) & 1n) === 1n);
      }),
      { seed: 12, numRuns: 2000 },
    );
  });

  it('handles the edges 0, 1, 2^31, 2^32 and 2^53 − 1 exactly', () => {
    assert.equal(popcount(0), 0);
    assert.equal(bitLength(0), 0);
    assert.equal(bitLength(1), 1);
    assert.equal(trailingZeros(2 ** 31), 31);
    assert.equal(trailingZeros(2 ** 32), 32);
    assert.equal(trailingZeros(2 ** 52), 52);
    assert.equal(popcount(MAX), 53);
    assert.equal(bitLength(MAX), 53);
    assert.equal(shr(MAX, 52), 1);
    assert.equal(shr(2 ** 32 + 5, 1), 2 ** 31 + 2);
  });
});
