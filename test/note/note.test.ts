import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  MAX_NOTE_BYTES,
  MAX_NOTE_SIGNATURES,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatNote,
  formatSignatureLine,
  generateSignerKey,
  openNote,
  parseNote,
  signNote,
} from '../../src/note/index.ts';
import type { NoteVerifier } from '../../src/note/index.ts';
import { isStamplogError } from '../../src/base/errors.ts';
import { assertCode, goDoc, seed, spec, sumdb } from './fixtures.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const testKey = generateSignerKey('test.example/a', seed(1));
const otherKey = generateSignerKey('test.example/b', seed(2));

describe('openNote', () => {
  it('verifies the signed-note spec example', () => {
    const n = openNote(spec.note, [ed25519NoteVerifier(spec.vkey)]);
    assert.equal(n.text, spec.text);
    assert.equal(n.verified.length, 1);
    assert.equal(n.verified[0].name, 'example.com/foo');
    assert.equal(n.unverified.length, 0);
  });

  it('verifies the sumdb checkpoint as bytes and as a string', () => {
    const v = ed25519NoteVerifier(sumdb.vkey);
    assert.equal(openNote(enc(sumdb.checkpoint), [v]).text, sumdb.json.body);
    assert.equal(openNote(sumdb.checkpoint, [v]).text, sumdb.json.body);
  });

  it('verifies the doubly signed note of the Go documentation with either key, keeping the other aside', () => {
    const note = goDoc.text + '\n' + goDoc.peterLine + goDoc.enochLine;
    const peter = ed25519NoteVerifier(goDoc.peterVkey);
    const enoch = ed25519NoteVerifier(goDoc.enochVkey);
    const both = openNote(note, [peter, enoch]);
    assert.deepEqual(both.verified.map((s) => s.name), ['PeterNeumann', 'EnochRoot']);
    const onlyEnoch = openNote(note, [enoch]);
    assert.deepEqual(onlyEnoch.verified.map((s) => s.name), ['EnochRoot']);
    assert.deepEqual(onlyEnoch.unverified.map((s) => s.name), ['PeterNeumann']);
  });

  it('ignores signatures that share only the name or only the key ID of a known key', () => {
    const v = ed25519NoteVerifier(spec.vkey);
    const sameName = { name: 'example.com/foo', keyId: 0x12345678, signature: new Uint8Array(64).fill(1) };
    const sameId = { name: 'example.com/bar', keyId: 0x530d903a, signature: new Uint8Array(64).fill(2) };
    const note = spec.note + formatSignatureLine(sameName) + formatSignatureLine(sameId);
    const n = openNote(note, [v]);
    assert.equal(n.verified.length, 1);
    assert.deepEqual(n.unverified.map((s) => [s.name, s.keyId]), [['example.com/foo', 0x12345678], ['example.com/bar', 0x530d903a]]);
  });

  it('keeps identical unknown signature lines once', () => {
    const unknown = formatSignatureLine({ name: 'x.example', keyId: 1, signature: Uint8Array.of(1, 2, 3) });
    const n = openNote(spec.note + unknown + unknown, [ed25519NoteVerifier(spec.vkey)]);
    assert.equal(n.unverified.length, 1);
  });

  it('throws UNVERIFIED when no known key signed, INVALID_SIGNATURE when a known key signature fails', () => {
    assertCode(() => openNote(spec.note, []), 'UNVERIFIED', 'no verifiers');
    assertCode(() => openNote(spec.note, [ed25519NoteVerifier(sumdb.vkey)]), 'UNVERIFIED', 'unrelated verifier');
    const tamperedText = spec.note.replace('example message', 'example massage');
    assertCode(() => openNote(tamperedText, [ed25519NoteVerifier(spec.vkey)]), 'INVALID_SIGNATURE', 'tampered text');
  });

  it('rejects every single-bit flip of the signature bytes (and treats a flipped key ID as unknown)', () => {
    const v = ed25519NoteVerifier(sumdb.vkey);
    const parsed = parseNote(sumdb.checkpoint);
    const raw = parsed.signatures[0];
    for (let bit = 0; bit < 64 * 8; bit++) {
      const sig = raw.signature.slice();
      sig[bit >> 3] ^= 1 << (bit & 7);
      const note = formatNote(parsed.text, [{ ...raw, signature: sig }]);
      assertCode(() => openNote(note, [v]), 'INVALID_SIGNATURE', `bit ${bit}`);
    }
    for (let bit = 0; bit < 32; bit++) {
      const note = formatNote(parsed.text, [{ ...raw, keyId: (raw.keyId ^ (1 << bit)) >>> 0 }]);
      assertCode(() => openNote(note, [v]), 'UNVERIFIED', `key ID bit ${bit}`);
    }
  });

  it('rejects every single-bit flip of the text that still leaves a note', () => {
    const v = ed25519NoteVerifier(sumdb.vkey);
    const bytes = enc(sumdb.checkpoint);
    const textLength = enc(sumdb.json.body).length;
    for (let i = 0; i < textLength; i++) {
      for (let bit = 0; bit < 8; bit++) {
        const b = bytes.slice();
        b[i] ^= 1 << bit;
        assert.throws(() => openNote(b, [v]), (e: unknown) => isStamplogError(e), `byte ${i} bit ${bit} was accepted`);
      }
    }
  });

  it('uses only the first signature by a known key, as Go does', () => {
    const v = ed25519NoteVerifier(spec.vkey);
    const [good] = parseNote(spec.note).signatures;
    const bad = { ...good, signature: new Uint8Array(64) };
    assert.equal(openNote(formatNote(spec.text, [good, bad]), [v]).verified.length, 1);
    assertCode(() => openNote(formatNote(spec.text, [bad, good]), [v]), 'INVALID_SIGNATURE');
  });

  it('throws MALFORMED when two verifiers share name and key ID', () => {
    const v = ed25519NoteVerifier(spec.vkey);
    const twin: NoteVerifier = { name: v.name, keyId: v.keyId, type: 1, verify: () => true };
    assertCode(() => openNote(spec.note, [v, twin]), 'MALFORMED');
  });

  it('turns a verifier that throws into INVALID_SIGNATURE', () => {
    const v = ed25519NoteVerifier(spec.vkey);
    const thrower: NoteVerifier = {
      name: v.name,
      keyId: v.keyId,
      type: 1,
      verify: () => {
        throw new TypeError('boom');
      },
    };
    assertCode(() => openNote(spec.note, [thrower]), 'INVALID_SIGNATURE');
  });

  it('accepts 100 signature lines and rejects 101', () => {
    const signer = ed25519NoteSigner(testKey.signerKey);
    const v = ed25519NoteVerifier(testKey.verifierKey);
    const text = 'many signatures\n';
    const unknown = (i: number) => ({ name: `w${i}.example`, keyId: i, signature: new Uint8Array(64).fill(i) });
    const ninetyNine = Array.from({ length: MAX_NOTE_SIGNATURES - 1 }, (_, i) => unknown(i));
    const ok = signNote(text, [signer], ninetyNine);
    assert.equal(openNote(ok, [v]).unverified.length, 99);
    const tooMany = ok + formatSignatureLine(unknown(200));
    assertCode(() => openNote(tooMany, [v]), 'TOO_LARGE');
    assertCode(() => parseNote(tooMany), 'TOO_LARGE');
  });

  it('rejects notes over 1 MiB', () => {
    const signer = ed25519NoteSigner(testKey.signerKey);
    const text = 'x'.repeat(MAX_NOTE_BYTES - 200) + '\n';
    const note = signNote(text, [signer]);
    assert.equal(openNote(note, [ed25519NoteVerifier(testKey.verifierKey)]).text, text);
    assertCode(() => openNote('y'.repeat(200) + note, [ed25519NoteVerifier(testKey.verifierKey)]), 'TOO_LARGE');
    assertCode(() => openNote(new Uint8Array(MAX_NOTE_BYTES + 1), []), 'TOO_LARGE');
  });
});

describe('parseNote', () => {
  const sigLine = spec.note.slice(spec.text.length + 1);

  it('splits at the last blank line, so the text may contain blank lines', () => {
    const text = 'a\n\nb\n\n\nc\n';
    const note = signNote(text, [ed25519NoteSigner(testKey.signerKey)]);
    assert.equal(parseNote(note).text, text);
    assert.equal(openNote(note, [ed25519NoteVerifier(testKey.verifierKey)]).text, text);
  });

  it('rejects malformed notes', () => {
    const cases: [string, string | Uint8Array][] = [
      ['empty', ''],
      ['no blank line', spec.text + sigLine],
      ['no signatures', spec.text + '\n'],
      ['signature block without final newline', spec.note.slice(0, -1)],
      ['CRLF line ends', spec.note.replaceAll('\n', '\r\n')],
      ['tab in text', 'a\tb\n\n' + sigLine],
      ['NUL in text', 'a\u0000b\n\n' + sigLine],
      ['ESC in text', 'a\u001bb\n\n' + sigLine],
      ['hyphen instead of em dash', spec.text + '\n' + sigLine.replace('\u2014', '-')],
      ['en dash instead of em dash', spec.text + '\n' + sigLine.replace('\u2014', '\u2013')],
      ['no space after the dash', spec.text + '\n' + sigLine.replace('\u2014 ', '\u2014')],
      ['two spaces after the dash', spec.text + '\n' + sigLine.replace('\u2014 ', '\u2014  ')],
      ['two spaces before the signature', spec.text + '\n' + sigLine.replace('foo ', 'foo  ')],
      ['name with a plus', spec.text + '\n' + sigLine.replace('foo ', 'f+oo ')],
      ['name with NBSP', spec.text + '\n' + sigLine.replace('foo ', 'f\u00a0oo ')],
      ['no signature after the name', spec.text + '\n\u2014 example.com/foo\n'],
      ['empty signature', spec.text + '\n\u2014 example.com/foo \n'],
      ['signature of 4 bytes', spec.text + '\n\u2014 example.com/foo AAAAAA==\n'],
      ['invalid base64', spec.text + '\n\u2014 example.com/foo !!!!\n'],
      ['non-canonical base64', spec.text + '\n' + sigLine.replace('QM=\n', 'QN=\n')],
      ['trailing garbage line', spec.note + 'garbage\n'],
      ['invalid UTF-8', Uint8Array.of(0x61, 0xff, 0x0a, 0x0a, ...enc(sigLine))],
      ['lone surrogate', 'a\ud800\n\n' + sigLine],
    ];
    for (const [what, note] of cases) assertCode(() => parseNote(note), 'MALFORMED', what);
  });

  it('treats signature lines before a later blank line as text, so they no longer verify', () => {
    const note = spec.note + '\n' + sigLine;
    assert.equal(parseNote(note).text, spec.note);
    assertCode(() => openNote(note, [ed25519NoteVerifier(spec.vkey)]), 'INVALID_SIGNATURE');
  });
});

describe('signNote', () => {
  it('reproduces the sumdb checkpoint byte for byte from its text and skey', () => {
    assert.equal(signNote(sumdb.json.body, [ed25519NoteSigner(sumdb.skey)]), sumdb.checkpoint);
  });

  it('reproduces the Go documentation note byte for byte', () => {
    assert.equal(signNote(goDoc.text, [ed25519NoteSigner(goDoc.peterSkey)]), goDoc.text + '\n' + goDoc.peterLine);
  });

  it('keeps existing signatures first and replaces those by a signer’s own key, as note.Sign does', () => {
    const signed = goDoc.text + '\n' + goDoc.peterLine + goDoc.enochLine;
    const existing = parseNote(signed).signatures;
    assert.equal(formatNote(goDoc.text, existing), signed, 'formatNote round-trips the Go note');
    const resigned = signNote(goDoc.text, [ed25519NoteSigner(goDoc.peterSkey)], existing);
    assert.equal(resigned, goDoc.text + '\n' + goDoc.enochLine + goDoc.peterLine);
  });

  it('signs with several keys in order', () => {
    const note = signNote('t\n', [ed25519NoteSigner(testKey.signerKey), ed25519NoteSigner(otherKey.signerKey)]);
    const n = openNote(note, [ed25519NoteVerifier(otherKey.verifierKey), ed25519NoteVerifier(testKey.verifierKey)]);
    assert.deepEqual(n.verified.map((s) => s.name), ['test.example/a', 'test.example/b']);
  });

  it('keeps a leading byte order mark in the signed text', () => {
    const text = '\ufeffbom\n';
    const bytes = enc(signNote(text, [ed25519NoteSigner(testKey.signerKey)]));
    assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
    assert.equal(openNote(bytes, [ed25519NoteVerifier(testKey.verifierKey)]).text, text);
  });

  it('refuses texts that could not be parsed back', () => {
    const s = [ed25519NoteSigner(testKey.signerKey)];
    for (const text of ['', 'no newline', 'tab\there\n', 'cr\r\n']) assertCode(() => signNote(text, s), 'MALFORMED', JSON.stringify(text));
    assertCode(() => signNote('x\n', []), 'MALFORMED', 'no signers');
    assertCode(() => signNote('x\n', [{ name: 'bad name', keyId: 1, sign: () => new Uint8Array(64) }]), 'MALFORMED', 'bad signer name');
  });
});
