import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { NameFilter, fnv1a, nameKey } from '../checks/index.ts';

describe('NameFilter', () => {
  it('never forgets a name that was added (no false negatives), whatever the load', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: 'grapheme', maxLength: 40 }), { maxLength: 400 }), fc.integer({ min: 0, max: 300 }), (names, capacity) => {
        const f = new NameFilter(capacity);
        for (const n of names) f.add(nameKey(n));
        for (const n of names) assert.ok(f.mayHave(nameKey(n)), n);
      }),
      { seed: 31, numRuns: 100 },
    );
  });

  it('testAndAdd reports whether the name may have been there, and adds it', () => {
    const f = new NameFilter(1000);
    assert.equal(f.testAndAdd(nameKey('a.whl')), false);
    assert.equal(f.testAndAdd(nameKey('a.whl')), true);
    assert.equal(f.mayHave(nameKey('a.whl')), true);
  });

  it('has a false-positive rate near 10^-3 at capacity', () => {
    const n = 100_000;
    const f = new NameFilter(n);
    for (let i = 0; i < n; i++) f.add(nameKey(`proj-${i % 37}-1.${i % 11}.${i}-py3-none-any.whl`));
    let fp = 0;
    for (let i = 0; i < n; i++) if (f.mayHave(nameKey(`proj-${i % 37}-2.${i % 11}.${i}-py3-none-any.whl`))) fp++;
    assert.ok(fp / n < 3e-3, `false-positive rate ${fp / n}`);
  });

  it('nameKey is FNV-1a of the UTF-8 bytes (what the leaf decoder computes while scanning them)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 60 }), (s) => {
        const b = Buffer.from(s, 'utf8');
        assert.equal(nameKey(s), fnv1a(b, 0, b.length));
      }),
      { seed: 32, numRuns: 300 },
    );
    // FNV-1a test vectors (32-bit): "" and "a".
    assert.equal(nameKey('') >>> 0, 0x811c9dc5);
    assert.equal(nameKey('a') >>> 0, 0xe40c292c);
  });
});
