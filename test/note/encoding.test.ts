import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { base64Decode, base64Encode, parseDecimal, textAndBytes, utf8Decode } from '../../src/note/encoding.ts';
import { assertCode } from './fixtures.ts';

describe('base64Encode', () => {
  it('matches the RFC 4648 §10 test vectors', () => {
    const vectors: [string, string][] = [
      ['', ''],
      ['f', 'Zg=='],
      ['fo', 'Zm8='],
      ['foo', 'Zm9v'],
      ['foob', 'Zm9vYg=='],
      ['fooba', 'Zm9vYmE='],
      ['foobar', 'Zm9vYmFy'],
    ];
    for (const [plain, b64] of vectors) {
      assert.equal(base64Encode(new TextEncoder().encode(plain)), b64, `encode ${plain}`);
      assert.equal(new TextDecoder().decode(base64Decode(b64)), plain, `decode ${b64}`);
    }
  });

  it('agrees with Buffer on arbitrary bytes, and decoding inverts it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (b) => {
        const s = base64Encode(b);
        assert.equal(s, Buffer.from(b).toString('base64'));
        assert.deepEqual(base64Decode(s), b);
      }),
      { seed: 1, numRuns: 300 },
    );
  });
});

describe('base64Decode', () => {
  it('rejects non-canonical and malformed encodings', () => {
    const bad = [
      'Zh==', // non-zero trailing bits ('f' is Zg==)
      'Zm9=', // non-zero trailing bits ('fo' is Zm8=)
      'Zg', // missing padding
      'Zg=', // wrong length
      'Zg===', // too much padding
      'Z===', // padding in a position that cannot hold it
      'Zg==Zg==', // padding in the middle
      '=Zg=',
      'Zm9v\n', // line breaks are not skipped (Go's decoder skips them)
      ' Zm9v',
      'Zm9-', // URL-safe alphabet
      'Zm9_',
      'Zm9\u00e9',
    ];
    for (const s of bad) assertCode(() => base64Decode(s), 'MALFORMED', JSON.stringify(s));
  });

  it('rejects every alteration of the last symbol that changes only unused bits', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 40 }).filter((b) => b.length % 3 !== 0), (b) => {
        const s = base64Encode(b);
        const pad = s.endsWith('==') ? 2 : 1;
        const last = s.length - pad - 1;
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        const v = alphabet.indexOf(s[last]);
        const unused = pad === 2 ? 15 : 3;
        for (let x = 1; x <= unused; x++) {
          const t = s.slice(0, last) + alphabet[v ^ x] + s.slice(last + 1);
          assertCode(() => base64Decode(t), 'MALFORMED', t);
        }
      }),
      { seed: 2, numRuns: 100 },
    );
  });
});

describe('parseDecimal', () => {
  it('accepts canonical decimals up to 2^53 - 1', () => {
    assert.equal(parseDecimal('0', 'n'), 0);
    assert.equal(parseDecimal('300', 'n'), 300);
    assert.equal(parseDecimal('9007199254740991', 'n'), Number.MAX_SAFE_INTEGER);
  });

  it('rejects signs, leading zeros, spaces, other digits and values from 2^53 on', () => {
    for (const s of ['', '00', '01', '+5', '-5', '-0', ' 5', '5 ', '5\n', '1e3', '0x10', '1.0', '１', '٣', '9007199254740992', '99999999999999999999']) {
      assertCode(() => parseDecimal(s, 'n'), 'MALFORMED', JSON.stringify(s));
    }
  });
});

describe('textAndBytes', () => {
  it('keeps a leading byte order mark as text', () => {
    const { text } = textAndBytes(Uint8Array.of(0xef, 0xbb, 0xbf, 0x61), 10, 't');
    assert.equal(text, '\ufeffa');
  });

  it('rejects invalid UTF-8, lone surrogates and oversize input', () => {
    assertCode(() => utf8Decode(Uint8Array.of(0xff)), 'MALFORMED', '0xff');
    assertCode(() => utf8Decode(Uint8Array.of(0xc0, 0xaf)), 'MALFORMED', 'overlong');
    assertCode(() => utf8Decode(Uint8Array.of(0xed, 0xa0, 0x80)), 'MALFORMED', 'encoded surrogate');
    assertCode(() => textAndBytes('a\ud800', 10, 't'), 'MALFORMED', 'lone surrogate');
    assertCode(() => textAndBytes('abcdef', 5, 't'), 'TOO_LARGE', 'string over the cap');
    assertCode(() => textAndBytes('\u00e9\u00e9\u00e9', 5, 't'), 'TOO_LARGE', 'UTF-8 bytes over the cap');
    assertCode(() => textAndBytes(new Uint8Array(6), 5, 't'), 'TOO_LARGE', 'bytes over the cap');
  });
});
