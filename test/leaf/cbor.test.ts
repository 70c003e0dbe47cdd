// Deterministic CBOR (src/leaf/cbor.ts): RFC 8949 Appendix A examples, §4.2.1 rules, strict decoding.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Decoder } from 'cbor-x';
import { CBOR_LIMITS, decodeCanonical, encodeCanonical } from '../../src/leaf/cbor.ts';
import { CborWriter, encodeKey } from '../../src/leaf/cborwriter.ts';
import type { CborValue } from '../../src/leaf/cbor.ts';
import { isStamplogError } from '../../src/base/errors.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (h: string) => new Uint8Array(Buffer.from(h.replace(/\s+/g, ''), 'hex'));

// RFC 8949 Appendix A, restricted to the supported subset (their encodings are already deterministic).
const APPENDIX_A: [CborValue, string][] = [
  [0, '00'],
  [1, '01'],
  [10, '0a'],
  [23, '17'],
  [24, '1818'],
  [25, '1819'],
  [100, '1864'],
  [1000, '1903e8'],
  [1000000, '1a000f4240'],
  [1000000000000, '1b000000e8d4a51000'],
  [false, 'f4'],
  [true, 'f5'],
  [new Uint8Array(), '40'],
  [Uint8Array.from([1, 2, 3, 4]), '4401020304'],
  ['', '60'],
  ['a', '6161'],
  ['IETF', '6449455446'],
  ['"\\', '62225c'],
  ['\u00fc', '62c3bc'],
  ['\u6c34', '63e6b0b4'],
  ['\u{10151}', '64f0908591'],
  [[], '80'],
  [[1, 2, 3], '83010203'],
  [[1, [2, 3], [4, 5]], '8301820203820405'],
  [new Map(), 'a0'],
  [new Map<string, CborValue>([['a', 1], ['b', [2, 3]]]), 'a26161016162820203'],
  [['a', new Map([['b', 'c']])], '826161a161626163'],
  [new Map([['a', 'A'], ['b', 'B'], ['c', 'C'], ['d', 'D'], ['e', 'E']]), 'a56161614161626142616361436164614461656145'],
];

function rejects(h: string, pattern: RegExp, what: string): void {
  assert.throws(
    () => decodeCanonical(unhex(h)),
    (e) => isStamplogError(e, 'MALFORMED') && pattern.test(e.message),
    `${what} (${h}) should be rejected with ${pattern}`,
  );
}

/** Arbitrary values of the supported subset, maps as Map (what the decoder returns). */
const valueArb: fc.Arbitrary<CborValue> = fc.letrec<{ value: CborValue }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.oneof(fc.nat(), fc.constantFrom(23, 24, 255, 256, 65535, 65536, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER), fc.maxSafeNat()),
    fc.string({ unit: 'binary', maxLength: 20 }),
    fc.boolean(),
    fc.uint8Array({ maxLength: 40 }),
    fc.array(tie('value'), { maxLength: 4 }),
    fc.uniqueArray(fc.tuple(fc.string({ unit: 'binary', maxLength: 6 }), tie('value')), { maxLength: 4, selector: (t) => t[0] }).map((pairs) => new Map(pairs)),
  ),
})).value;

describe('encodeCanonical', () => {
  for (const [value, want] of APPENDIX_A) {
    it(`encodes the RFC 8949 Appendix A example ${want}`, () => {
      assert.equal(hex(encodeCanonical(value)), want);
    });
  }

  it('encodes the largest supported integer 2^53 − 1 with an 8-byte head', () => {
    assert.equal(hex(encodeCanonical(Number.MAX_SAFE_INTEGER)), '1b001fffffffffffff');
    assert.equal(hex(encodeCanonical(2 ** 32)), '1b0000000100000000');
    assert.equal(hex(encodeCanonical(2 ** 32 - 1)), '1affffffff');
  });

  it('sorts map keys by their encoded bytes, so shorter keys come first (§4.2.1)', () => {
    // "b" (61 62) sorts before "aa" (62 61 61) although "aa" < "b" as text.
    assert.equal(hex(encodeCanonical(new Map([['aa', 1], ['b', 2]]))), 'a2616202626161' + '01');
    assert.equal(hex(encodeCanonical({ b: 1, a: 2 })), 'a2616102616201');
    // A 24-byte key (head 78 18) sorts after every key of up to 23 bytes (heads 60–77).
    const long = 'a'.repeat(24);
    const enc = hex(encodeCanonical({ [long]: 0, z: 1 }));
    assert.ok(enc.startsWith('a2617a01' + '7818'), enc);
  });

  it('skips undefined members of plain objects', () => {
    assert.equal(hex(encodeCanonical({ a: 1, b: undefined })), 'a1616101');
  });

  it('refuses what the subset does not have', () => {
    const bad: unknown[] = [-1, 1.5, NaN, Infinity, 2 ** 53, null, undefined, 10n, new Date(0), new Set(), '\ud800', new Map([[1, 1]]), Symbol('x')];
    for (const v of bad) {
      assert.throws(() => encodeCanonical(v as CborValue), (e) => isStamplogError(e, 'MALFORMED'), String(typeof v === 'symbol' ? 'symbol' : v));
    }
  });

  it('decodes back to the same value, and matches what cbor-x decodes independently', () => {
    const plain = new Decoder({ mapsAsObjects: false, useRecords: false });
    fc.assert(
      fc.property(valueArb, (v) => {
        const enc = encodeCanonical(v);
        assert.deepStrictEqual(decodeCanonical(enc), v);
        const other: unknown = plain.decode(Buffer.from(enc));
        assert.deepStrictEqual(normalize(other), v);
      }),
      { seed: 8949, numRuns: 300 },
    );
  });
});

/** cbor-x returns Buffers for byte strings and bigints for some integers: bring them to our shapes. */
function normalize(v: unknown): unknown {
  if (v instanceof Uint8Array) return new Uint8Array(v);
  if (typeof v === 'bigint') return Number(v);
  if (Array.isArray(v)) return v.map(normalize);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [k, normalize(x)]));
  return v;
}

describe('decodeCanonical', () => {
  for (const [value, h] of APPENDIX_A) {
    it(`decodes the RFC 8949 Appendix A example ${h}`, () => {
      assert.deepStrictEqual(decodeCanonical(unhex(h)), value);
    });
  }

  it('rejects integers that are not encoded as short as possible', () => {
    rejects('1817', /not as short as possible/, '23 in a 1-byte argument');
    rejects('190017', /not as short as possible/, '23 in a 2-byte argument');
    rejects('1900ff', /not as short as possible/, '255 in a 2-byte argument');
    rejects('1a0000ffff', /not as short as possible/, '65535 in a 4-byte argument');
    rejects('1b00000000ffffffff', /not as short as possible/, '2^32 − 1 in an 8-byte argument');
    rejects('7800', /not as short as possible/, 'an empty text string with a 1-byte length');
    rejects('a1' + '6161' + '1800', /not as short as possible/, 'a map value');
  });

  it('rejects indefinite lengths', () => {
    rejects('5f4101ff', /indefinite/, 'indefinite byte string');
    rejects('7f6161ff', /indefinite/, 'indefinite text string');
    rejects('9f01ff', /indefinite/, 'indefinite array');
    rejects('bf616101ff', /indefinite/, 'indefinite map');
  });

  it('rejects duplicate and unsorted map keys', () => {
    rejects('a2616101616102', /duplicate map key/, 'duplicate key');
    rejects('a2616201616101', /not in deterministic/, 'keys b, a');
    rejects('a2626161016162' + '02', /not in deterministic/, 'keys aa, b (length-first order broken)');
    rejects('a1a1616101' + '01', /keys must be text/, 'map as key');
    rejects('a10101', /keys must be text/, 'integer key');
    rejects('a1410101', /keys must be text/, 'byte-string key');
  });

  it('rejects floats, tags, null, undefined and other simple values', () => {
    rejects('f93c00', /floating-point/, 'half float 1.0');
    rejects('fa3f800000', /floating-point/, 'single float 1.0');
    rejects('fb3ff0000000000000', /floating-point/, 'double 1.0');
    rejects('c074323031332d30332d32315432303a30343a30305a', /tags/, 'tag 0 date');
    rejects('c249010000000000000000', /tags/, 'tag 2 bignum');
    rejects('d81c01', /tags/, 'tag 28 shareable');
    rejects('d81d00', /tags/, 'tag 29 shared reference');
    rejects('d9d9f700', /tags/, 'self-described CBOR');
    rejects('d8404401020304', /tags/, 'tag 64 typed array');
    rejects('f6', /null/, 'null');
    rejects('f7', /undefined/, 'undefined');
    rejects('f0', /simple/, 'simple(16)');
    rejects('f820', /simple/, 'simple(32)');
    rejects('ff', /break/, 'lone break');
  });

  it('rejects negative integers and integers beyond 2^53 − 1', () => {
    rejects('20', /negative/, '-1');
    rejects('3903e7', /negative/, '-1000');
    rejects('1b0020000000000000', /2\^53/, '2^53');
    rejects('1bffffffffffffffff', /2\^53/, '2^64 − 1');
  });

  it('rejects reserved additional information and truncated input', () => {
    rejects('1c', /reserved/, 'ai 28');
    rejects('5d', /reserved/, 'ai 29 in a byte string');
    rejects('', /end of input/, 'empty input');
    rejects('19 01', /end of input/, 'truncated head');
    rejects('62 61', /exceeds the input/, 'truncated text');
    rejects('82 01', /exceeds the input/, 'truncated array');
    rejects('82 01 19 00', /end of input/, 'truncated head inside an array');
    rejects('a1 6161', /end of input/, 'map without value');
  });

  it('rejects trailing bytes', () => {
    rejects('0000', /trailing/, 'two items');
    rejects('a0 00', /trailing/, 'map then integer');
  });

  it('rejects text that is not well-formed UTF-8', () => {
    rejects('62c328', /UTF-8/, 'bad continuation');
    rejects('62c080', /UTF-8/, 'overlong NUL');
    rejects('63eda080', /UTF-8/, 'UTF-16 surrogate');
    rejects('64f4908080', /UTF-8/, 'above U+10FFFF');
    rejects('61ff', /UTF-8/, 'invalid byte');
    rejects('62e282', /UTF-8/, 'truncated sequence');
  });

  it('rejects declared lengths larger than the input before allocating anything', () => {
    rejects('5b0000000100000000', /exceeds the input/, 'byte string of 2^32 bytes');
    rejects('9affffffff', /exceeds the input/, 'array of 2^32 − 1 items');
    rejects('bb001fffffffffffff', /exceeds the input/, 'map of 2^53 − 1 pairs');
    rejects('9b001fffffffffffff', /exceeds the input/, 'array of 2^53 − 1 items');
  });

  it(`rejects nesting deeper than ${CBOR_LIMITS.maxDepth} levels`, () => {
    const ok = '81'.repeat(CBOR_LIMITS.maxDepth) + '00';
    assert.doesNotThrow(() => decodeCanonical(unhex(ok)));
    rejects('81'.repeat(CBOR_LIMITS.maxDepth + 1) + '00', /nesting/, 'too deep');
    rejects('81'.repeat(10000) + '00', /nesting/, 'very deep');
  });

  it('rejects input over the size limit with TOO_LARGE', () => {
    const big = new CborWriter();
    big.bytes(new Uint8Array(CBOR_LIMITS.maxBytes));
    assert.throws(() => decodeCanonical(big.finish()), (e) => isStamplogError(e, 'TOO_LARGE'));
    assert.throws(() => decodeCanonical(unhex('4400000000'), { maxBytes: 4 }), (e) => isStamplogError(e, 'TOO_LARGE'));
  });

  it('rejects a non-minimal head anywhere in an arbitrary value', () => {
    fc.assert(
      fc.property(valueArb, fc.nat(), (v, pick) => {
        const enc = encodeCanonical(v);
        // Find item heads with an argument < 2^32 and widen one to the next size: same value, longer head.
        const heads = headOffsets(enc).filter(([, ai]) => ai <= 26);
        fc.pre(heads.length > 0);
        const [off, ai, arg] = heads[pick % heads.length];
        const major = enc[off] >> 5;
        const w = new CborWriter();
        w.raw(enc.subarray(0, off));
        const width = ai < 24 ? 1 : ai === 24 ? 2 : ai === 25 ? 4 : 8;
        w.raw(Uint8Array.of((major << 5) | (24 + Math.log2(width))));
        const arg8 = new Uint8Array(8);
        new DataView(arg8.buffer).setBigUint64(0, BigInt(arg));
        w.raw(arg8.subarray(8 - width));
        const headLen = ai < 24 ? 1 : 1 + (1 << (ai - 24));
        w.raw(enc.subarray(off + headLen));
        assert.throws(() => decodeCanonical(w.finish()), (e) => isStamplogError(e, 'MALFORMED') && /short as possible/.test(e.message));
      }),
      { seed: 4221, numRuns: 200 },
    );
  });

  it('rejects any map whose pairs are written in another order', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: 'binary', maxLength: 5 }), { minLength: 2, maxLength: 6 }),
        fc.nat(),
        (keys, seed) => {
          const pairs = keys.map((k, i): [Uint8Array, number] => [encodeKey(k), i]);
          pairs.sort((a, b) => Buffer.compare(a[0], b[0]));
          // Swap two pairs: the result is a valid but non-deterministic encoding of the same map.
          const i = seed % pairs.length;
          const j = (i + 1 + (Math.floor(seed / pairs.length) % (pairs.length - 1))) % pairs.length;
          [pairs[i], pairs[j]] = [pairs[j], pairs[i]];
          const w = new CborWriter();
          w.mapHead(pairs.length);
          for (const [k, x] of pairs) {
            w.raw(k);
            w.uint(x);
          }
          assert.throws(() => decodeCanonical(w.finish()), (e) => isStamplogError(e, 'MALFORMED') && /order/.test(e.message));
        },
      ),
      { seed: 1337, numRuns: 200 },
    );
  });

  it('re-encodes every accepted input to exactly the same bytes (random input)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 24 }), (b) => {
        let v: CborValue;
        try {
          v = decodeCanonical(b);
        } catch (e) {
          assert.ok(isStamplogError(e), `non-StamplogError for ${hex(b)}: ${String(e)}`);
          return;
        }
        assert.equal(hex(encodeCanonical(v)), hex(b));
      }),
      { seed: 77, numRuns: 5000 },
    );
  });

  it('returns byte strings as plain Uint8Array copies', () => {
    const input = unhex('4401020304');
    const out = decodeCanonical(input) as Uint8Array;
    assert.equal(Object.getPrototypeOf(out), Uint8Array.prototype);
    input[1] = 9;
    assert.equal(out[0], 1);
  });
});

/** [offset, additional info, argument] of every item head in the deterministic encoding `b`. */
function headOffsets(b: Uint8Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  let pos = 0;
  const item = (): void => {
    const off = pos;
    const ib = b[pos++];
    const major = ib >> 5;
    const ai = ib & 31;
    let arg = ai;
    if (ai >= 24) {
      const n = 1 << (ai - 24);
      arg = 0;
      for (let i = 0; i < n; i++) arg = arg * 256 + b[pos++];
    }
    if (major !== 7) out.push([off, ai, arg]);
    if (major === 2 || major === 3) pos += arg;
    else if (major === 4) for (let i = 0; i < arg; i++) item();
    else if (major === 5) for (let i = 0; i < 2 * arg; i++) item();
  };
  item();
  return out;
}
