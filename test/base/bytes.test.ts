import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { fromBase64, fromBase64Portable, fromHex, hashLinesBase64, toBase64, toBase64Portable, toHex, toHexPortable } from '../../src/base/bytes.ts';

describe('bytes: hex and base64', () => {
  it('the Buffer and portable encoders agree on arbitrary bytes, and decoding inverts them', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        assert.equal(toHex(b), toHexPortable(b));
        assert.equal(toBase64(b), toBase64Portable(b));
        assert.deepEqual(fromHex(toHex(b)), b);
        assert.deepEqual(fromBase64(toBase64(b)), b);
        assert.deepEqual(fromBase64Portable(toBase64(b)), b);
      }),
    );
  });

  it('fromHex accepts exactly the lowercase hex a regex and Buffer accept, and decodes it the same (property)', () => {
    const alphabet = '0123456789abcdefABCDEFgz \u0660\u0130';
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }), (chars) => {
        const s = chars.join('');
        const expected = /^(?:[0-9a-f]{2})*$/.test(s) ? new Uint8Array(Buffer.from(s, 'hex')) : undefined;
        assert.deepEqual(fromHex(s), expected, JSON.stringify(s));
      }),
      { numRuns: 5000 },
    );
  });

  it('both base64 decoders accept exactly the same strings', () => {
    const alphabet = 'AQgw+/=a\n =-_';
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 12 }), (chars) => {
        const s = chars.join('');
        assert.deepEqual(fromBase64(s), fromBase64Portable(s), JSON.stringify(s));
      }),
      { numRuns: 5000 },
    );
  });

  for (const [s, why] of [
    ['AQ=', 'length not a multiple of 4'],
    ['AR==', 'non-zero trailing bits'],
    ['AQE', 'missing padding'],
    ['AQ==AQ==', 'padding in the middle'],
    ['A Q==', 'whitespace'],
    ['AQ-_', 'URL alphabet'],
    ['AQ==\n', 'trailing newline'],
  ]) {
    it(`rejects base64 ${JSON.stringify(s)} (${why})`, () => {
      assert.equal(fromBase64(s), undefined);
      assert.equal(fromBase64Portable(s), undefined);
    });
  }

  for (const s of ['0', 'AB', 'zz', '0g', ' 00', '00 ']) {
    it(`rejects hex ${JSON.stringify(s)}`, () => assert.equal(fromHex(s), undefined));
  }

  it('checks the expected length', () => {
    assert.equal(fromHex('00ff', 3), undefined);
    assert.deepEqual(fromHex('00ff', 2), Uint8Array.of(0, 255));
    assert.equal(fromBase64('AAEC', 2), undefined);
    assert.deepEqual(fromBase64('AAEC', 3), Uint8Array.of(0, 1, 2));
  });
});

describe('hashLinesBase64', () => {
  it('equals base64 of each hash followed by a newline', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 70 }), (hashes) => {
        assert.equal(hashLinesBase64(hashes), hashes.map((h) => toBase64Portable(h) + '\n').join(''));
      }),
    );
  });

  it('refuses a hash that is not 32 bytes', () => {
    assert.throws(() => hashLinesBase64([new Uint8Array(31)]), RangeError);
  });
});
