import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { BloomFilter, GrowingBloomFilter } from '../../src/base/bloom.ts';

describe('GrowingBloomFilter', () => {
  it('never forgets a key, across every growth step', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), { maxLength: 3000 }), fc.integer({ min: 1, max: 200 }), (keys, first) => {
        const f = new GrowingBloomFilter(first);
        for (const k of keys) f.add(k);
        for (const k of keys) assert.ok(f.mayHave(k), String(k));
      }),
      { seed: 41, numRuns: 60 },
    );
  });

  it('keeps its false-positive rate near k · 10^-3 after growing from a small first filter', () => {
    const f = new GrowingBloomFilter(1024);
    const n = 200_000; // 8 filters: 1024 … 131,072
    for (let i = 0; i < n; i++) f.add(Math.imul(i, 0x9e3779b1));
    let fp = 0;
    for (let i = n; i < 2 * n; i++) if (f.mayHave(Math.imul(i, 0x9e3779b1))) fp++;
    assert.ok(fp / n < 0.012, `false-positive rate ${fp / n}`);
    assert.ok(fp > 0, 'a filter that says "maybe" to nothing unseen would not be a Bloom filter at this load');
  });

  it('a BloomFilter at capacity has a false-positive rate near 10^-3', () => {
    const f = new BloomFilter(100_000);
    for (let i = 0; i < 100_000; i++) f.add(i);
    let fp = 0;
    for (let i = 100_000; i < 200_000; i++) if (f.mayHave(i)) fp++;
    assert.ok(fp / 100_000 < 3e-3, `false-positive rate ${fp / 100_000}`);
  });
});
