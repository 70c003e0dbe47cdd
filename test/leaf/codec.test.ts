// Wire spellings (src/leaf/codec.ts): lowercase hex, canonical base64, RFC 3339 UTC times.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MAX_RFC3339_MS, formatRfc3339Utc, fromBase64, fromHex, parseRfc3339Utc, toBase64, toHex } from '../../src/leaf/codec.ts';

describe('toHex / fromHex', () => {
  it('round-trips and agrees with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => {
        const h = toHex(b);
        assert.equal(h, Buffer.from(b).toString('hex'));
        assert.deepStrictEqual(fromHex(h), b);
      }),
      { seed: 16 },
    );
  });

  it('rejects upper case, odd length, non-hex and the wrong length', () => {
    assert.equal(fromHex('AB'), undefined);
    assert.equal(fromHex('abc'), undefined);
    assert.equal(fromHex('zz'), undefined);
    assert.equal(fromHex(' a'), undefined);
    assert.equal(fromHex('abab', 1), undefined);
    assert.deepStrictEqual(fromHex('abab', 2), Uint8Array.of(0xab, 0xab));
  });
});

describe('toBase64 / fromBase64', () => {
  it('round-trips and agrees with Buffer', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 70 }), (b) => {
        const s = toBase64(b);
        assert.equal(s, Buffer.from(b).toString('base64'));
        assert.deepStrictEqual(fromBase64(s), b);
      }),
      { seed: 64 },
    );
  });

  it('rejects non-canonical spellings that lenient decoders accept', () => {
    assert.deepStrictEqual(fromBase64('AQ=='), Uint8Array.of(1));
    assert.equal(fromBase64('AR=='), undefined, 'non-zero pad bits (Buffer decodes it to 01)');
    assert.deepStrictEqual(fromBase64('AQI='), Uint8Array.of(1, 2));
    assert.equal(fromBase64('AQJ='), undefined, 'non-zero pad bits');
    assert.equal(fromBase64('AQ'), undefined, 'missing padding');
    assert.equal(fromBase64('AQ=\n='), undefined, 'whitespace');
    assert.equal(fromBase64('A-_Q'), undefined, 'URL alphabet');
    assert.equal(fromBase64('A=Q='), undefined, 'padding inside');
    assert.equal(fromBase64('===='), undefined, 'only padding');
    assert.equal(fromBase64('AAAA', 2), undefined, 'wrong length');
    assert.equal(fromBase64('ÀAAA'), undefined, 'non-ASCII');
  });
});

describe('parseRfc3339Utc', () => {
  it('reads the UTC forms with 0 to 9 fraction digits, keeping milliseconds', () => {
    assert.equal(parseRfc3339Utc('1970-01-01T00:00:00Z'), 0);
    assert.equal(parseRfc3339Utc('2024-05-29T15:37:47Z'), Date.UTC(2024, 4, 29, 15, 37, 47));
    assert.equal(parseRfc3339Utc('2024-05-29T15:37:47.1Z'), Date.UTC(2024, 4, 29, 15, 37, 47, 100));
    assert.equal(parseRfc3339Utc('2024-05-29T15:37:47.123456789Z'), Date.UTC(2024, 4, 29, 15, 37, 47, 123));
    assert.equal(parseRfc3339Utc('2024-02-29T23:59:59.999Z'), Date.UTC(2024, 1, 29, 23, 59, 59, 999));
    assert.equal(parseRfc3339Utc('9999-12-31T23:59:59.999Z'), MAX_RFC3339_MS);
  });

  it('rejects everything else', () => {
    const bad = [
      '2024-05-29T15:37:47+00:00', // offsets: UTC is spelled Z only
      '2024-05-29t15:37:47z',
      '2024-05-29 15:37:47Z',
      '2024-05-29T15:37:47',
      '2024-05-29T15:37:47.Z',
      '2024-05-29T15:37:47.1234567890Z',
      '2023-02-29T00:00:00Z',
      '2024-13-01T00:00:00Z',
      '2024-00-01T00:00:00Z',
      '2024-04-31T00:00:00Z',
      '2024-05-29T24:00:00Z',
      '2024-05-29T15:60:00Z',
      '2016-12-31T23:59:60Z',
      '1969-12-31T23:59:59Z',
      '+02024-05-29T15:37:47Z',
      '2024-5-29T15:37:47Z',
      ' 2024-05-29T15:37:47Z',
      '２０２４-05-29T15:37:47Z',
    ];
    for (const s of bad) assert.equal(parseRfc3339Utc(s), undefined, s);
  });

  it('agrees with a regex reference on arbitrary and near-miss spellings (property)', () => {
    // The definition, as a regex (what the parser replaced for speed), with the same range checks.
    const reference = (t: string): number | undefined => {
      const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/.exec(t);
      if (m === null) return undefined;
      const [y, mo, d, h, mi, se] = m.slice(1, 7).map(Number);
      const days = mo === 2 ? (y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0) ? 29 : 28) : [4, 6, 9, 11].includes(mo) ? 30 : 31;
      if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > days || h > 23 || mi > 59 || se > 59) return undefined;
      return Date.UTC(y, mo - 1, d, h, mi, se, m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3)));
    };
    const digit = fc.constantFrom(...'0123456789');
    const near = fc
      .tuple(fc.integer({ min: 1960, max: 10_000 }), fc.nat(14), fc.nat(33), fc.nat(25), fc.nat(61), fc.nat(61), fc.array(digit, { maxLength: 11 }), fc.boolean())
      .map(([y, mo, d, h, mi, se, frac, dot]) => {
        const two = (v: number) => String(v).padStart(2, '0');
        return `${y}-${two(mo)}-${two(d)}T${two(h)}:${two(mi)}:${two(se)}${dot || frac.length > 0 ? '.' : ''}${frac.join('')}Z`;
      });
    const mutated = fc.tuple(near, fc.nat(40), fc.string({ minLength: 1, maxLength: 1 })).map(([t, at, c]) => t.slice(0, at % t.length) + c + t.slice((at % t.length) + 1));
    fc.assert(
      fc.property(fc.oneof(near, mutated, fc.string({ maxLength: 32 })), (t) => {
        assert.equal(parseRfc3339Utc(t), reference(t), t);
      }),
      { numRuns: 5000 },
    );
  });

  it('round-trips with formatRfc3339Utc over the whole range', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: MAX_RFC3339_MS }), (ms) => {
        const s = formatRfc3339Utc(ms);
        assert.match(s, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
        assert.equal(parseRfc3339Utc(s), ms);
      }),
      { seed: 3339 },
    );
  });
});
