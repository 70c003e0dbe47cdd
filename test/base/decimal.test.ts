import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { CANONICAL_DECIMAL, canonicalDecimal, parseDecimal } from '../../src/base/decimal.ts';

describe('canonicalDecimal', () => {
  it('accepts exactly the strings String(n) gives for 0 ≤ n ≤ 2^53 − 1', () => {
    fc.assert(fc.property(fc.maxSafeNat(), (n) => canonicalDecimal(String(n)) === n));
    assert.equal(canonicalDecimal('9007199254740991'), Number.MAX_SAFE_INTEGER);
  });
  for (const s of ['', '-1', '+1', '01', '00', ' 1', '1 ', '1.0', '1e3', '0x10', '９', '9007199254740992', '12345678901234567']) {
    it(`refuses ${JSON.stringify(s)}`, () => {
      assert.equal(canonicalDecimal(s), undefined);
      assert.throws(() => parseDecimal(s, 'n'), (e: Error & { code?: string }) => e.code === 'MALFORMED');
    });
  }
  it('refuses what is not a string', () => {
    assert.equal(canonicalDecimal(5), undefined);
    assert.throws(() => parseDecimal(undefined, 'n'), /n: not a canonical decimal/);
  });
  it('agrees with the grammar it exports, for any string', () => {
    const re = new RegExp(`^${CANONICAL_DECIMAL}$`);
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('0', '1', '9', ' ', '-', 'a') }), (s) => {
      const n = canonicalDecimal(s);
      return n === undefined ? !re.test(s) || !Number.isSafeInteger(Number(s)) : re.test(s) && String(n) === s;
    }));
  });
});
