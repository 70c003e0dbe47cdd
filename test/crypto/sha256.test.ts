import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sha256, sha256HexOfText, sha256HexOfTextPortable, sha256Portable } from '../../src/crypto/sha256.ts';

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
