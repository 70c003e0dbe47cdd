import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sha256, sha256HexOfText, sha256HexOfTextPortable, sha256Into, sha256IntoOpenSSL, sha256Portable } from '../../src/crypto/sha256.ts';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

describe('sha256', () => {
  it('matches the FIPS 180-4 vectors for "" and "abc"', () => {
    assert.equal(hex(sha256(new Uint8Array())), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(hex(sha256(new TextEncoder().encode('abc'))), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('agrees with the portable implementation on arbitrary input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (data) => {
        assert.equal(hex(sha256(data)), hex(sha256Portable(data)));
      }),
    );
  });

  it('returns a fresh 32-byte array for subarray input', () => {
    const buf = new Uint8Array(100).fill(9);
    const a = sha256(buf.subarray(10, 20));
    assert.equal(a.length, 32);
    assert.equal(hex(a), hex(sha256Portable(buf.slice(10, 20))));
  });
});

describe('sha256Into (the OpenSSL latin1 path on Node)', () => {
  it('is available on Node and writes what @noble/hashes computes at any offset, touching nothing else', () => {
    assert.equal(typeof sha256IntoOpenSSL, 'function');
    for (const [name, into] of [['sha256Into', sha256Into], ['sha256IntoOpenSSL', sha256IntoOpenSSL]] as const) {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.nat(40), (data, at) => {
          const out = new Uint8Array(at + 32 + 5).fill(0xa5);
          into?.(data, out, at);
          assert.equal(hex(out.subarray(at, at + 32)), hex(sha256Portable(data)), name);
          assert.ok(out.subarray(0, at).every((x) => x === 0xa5) && out.subarray(at + 32).every((x) => x === 0xa5), `${name} writes only its 32 bytes`);
        }),
        { seed: 52, numRuns: 300 },
      );
    }
  });

  it('allows the output to alias the input', () => {
    const buf = new TextEncoder().encode('abc'.repeat(20));
    const want = hex(sha256Portable(buf));
    sha256Into(buf, buf, 0);
    assert.equal(hex(buf.subarray(0, 32)), want);
  });
});

describe('sha256HexOfText', () => {
  it('is the hex SHA-256 of the UTF-8 bytes, on both paths, for any text (lone surrogates as U+FFFD, as TextEncoder)', () => {
    assert.equal(sha256HexOfText('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (s) => {
        const expected = hex(sha256(new TextEncoder().encode(s)));
        assert.equal(sha256HexOfText(s), expected);
        assert.equal(sha256HexOfTextPortable(s), expected);
      }),
      { seed: 51, numRuns: 500 },
    );
  });
});
