import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  cosignatureSigner,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatCheckpoint,
  generateCosignerKey,
  generateSignerKey,
  cosignatureVerifier,
  openCheckpoint,
  parseCheckpoint,
  signCheckpoint,
  signNote,
} from '../../src/note/index.ts';
import { assertCode, seed, sumdb, toHex, witnessNetwork } from './fixtures.ts';

const ROOT = sumdb.json.root_base64; // 44 characters, 32 bytes
const body = (size: string, root = ROOT, origin = 'example.com/testlog') => `${origin}\n${size}\n${root}\n`;

describe('parseCheckpoint', () => {
  it('parses the sumdb checkpoint to size 300 and the root of checkpoint.json', () => {
    const cp = parseCheckpoint(sumdb.json.body);
    assert.equal(cp.origin, sumdb.json.origin);
    assert.equal(cp.size, 300);
    assert.equal(toHex(cp.rootHash), sumdb.json.root_hex);
    assert.deepEqual(cp.extensions, []);
    assert.equal(formatCheckpoint(cp), sumdb.json.body);
  });

  it('accepts sizes 0 and 2^53 - 1 and keeps extension lines', () => {
    assert.equal(parseCheckpoint(body('0')).size, 0);
    assert.equal(parseCheckpoint(body('9007199254740991')).size, Number.MAX_SAFE_INTEGER);
    const text = body('5') + 'ext one\n\u2014 ext two\n';
    const cp = parseCheckpoint(text);
    assert.deepEqual(cp.extensions, ['ext one', '\u2014 ext two']);
    assert.equal(formatCheckpoint(cp), text);
  });

  it('accepts an origin with spaces (only a SHOULD of the spec) but not with control characters', () => {
    assert.equal(parseCheckpoint(body('1', ROOT, 'a log')).origin, 'a log');
    assertCode(() => parseCheckpoint(body('1', ROOT, 'a\u007flog')), 'MALFORMED');
  });

  it('rejects every entry of the strictness list', () => {
    const root31 = Buffer.alloc(31, 1).toString('base64');
    const root33 = Buffer.alloc(33, 1).toString('base64');
    const cases: [string, string][] = [
      ['leading zero', body('0300')],
      ['double zero', body('00')],
      ['plus sign', body('+5')],
      ['minus sign', body('-5')],
      ['leading space', body(' 5')],
      ['trailing space', body('5 ')],
      ['2^53', body('9007199254740992')],
      ['2^64', body('18446744073709551616')],
      ['exponent', body('3e2')],
      ['hex', body('0x12c')],
      ['empty size', body('')],
      ['fullwidth digits', body('\uff13\uff10\uff10')],
      ['31-byte root', body('5', root31)],
      ['33-byte root', body('5', root33)],
      ['root without padding', body('5', ROOT.slice(0, -1))],
      ['root with bad characters', body('5', ROOT.replace('+', '-'))],
      ['non-canonical root', body('5', ROOT.slice(0, -2) + 'd=')],
      ['root in hex', body('5', sumdb.json.root_hex)],
      ['empty origin', body('5', ROOT, '')],
      ['tab in origin', body('5', ROOT, 'a\tb')],
      ['missing final newline', body('5').slice(0, -1)],
      ['CRLF', body('5').replaceAll('\n', '\r\n')],
      ['CR after the size', `example.com/testlog\n5\r\n${ROOT}\n`],
      ['two lines', `example.com/testlog\n5\n`],
      ['empty extension line', body('5') + '\n'],
      ['control character in extension', body('5') + 'a\u0000\n'],
      ['lone surrogate in origin', body('5', ROOT, 'a\ud800')],
      ['nothing', ''],
      ['not a string', 5 as unknown as string],
    ];
    for (const [what, text] of cases) assertCode(() => parseCheckpoint(text), 'MALFORMED', what);
  });
});

describe('formatCheckpoint', () => {
  it('rejects fields that would not parse back', () => {
    const root = new Uint8Array(32);
    const cases: [string, Parameters<typeof formatCheckpoint>[0]][] = [
      ['negative size', { origin: 'o', size: -1, rootHash: root }],
      ['fractional size', { origin: 'o', size: 1.5, rootHash: root }],
      ['size 2^53', { origin: 'o', size: 2 ** 53, rootHash: root }],
      ['NaN size', { origin: 'o', size: NaN, rootHash: root }],
      ['31-byte root', { origin: 'o', size: 1, rootHash: new Uint8Array(31) }],
      ['empty origin', { origin: '', size: 1, rootHash: root }],
      ['newline in origin', { origin: 'a\nb', size: 1, rootHash: root }],
      ['empty extension', { origin: 'o', size: 1, rootHash: root, extensions: [''] }],
      ['newline in extension', { origin: 'o', size: 1, rootHash: root, extensions: ['a\nb'] }],
    ];
    for (const [what, cp] of cases) assertCode(() => formatCheckpoint(cp), 'MALFORMED', what);
  });
});

describe('openCheckpoint', () => {
  const log = generateSignerKey('log.example/test', seed(10));
  const witness = generateCosignerKey('witness.example/w', seed(11));
  const cp = { origin: 'log.example/test', size: 7, rootHash: new Uint8Array(32).fill(9) };

  it('opens the sumdb checkpoint with its vkey', () => {
    const { checkpoint, note } = openCheckpoint(sumdb.checkpoint, ed25519NoteVerifier(sumdb.vkey));
    assert.equal(checkpoint.size, 300);
    assert.equal(toHex(checkpoint.rootHash), sumdb.json.root_hex);
    assert.equal(note.verified.length, 1);
  });

  it('opens a real witness-network checkpoint, leaving its other signatures aside', () => {
    const { checkpoint, note } = openCheckpoint(witnessNetwork.note, ed25519NoteVerifier(witnessNetwork.logVkey));
    assert.equal(checkpoint.size, 1432088532);
    assert.equal(note.unverified.length, 5);
  });

  it('checks cosignatures of the extra verifiers it is given', () => {
    const signed = signCheckpoint(cp, [ed25519NoteSigner(log.signerKey), cosignatureSigner(witness.signerKey, () => 1700000000)]);
    const opened = openCheckpoint(signed, ed25519NoteVerifier(log.verifierKey), { verifiers: [cosignatureVerifier(witness.verifierKey)] });
    assert.deepEqual(opened.note.verified.map((s) => s.name), ['log.example/test', 'witness.example/w']);
  });

  it('throws UNVERIFIED when only a cosigner signed, or the origin is not the expected one', () => {
    const onlyWitness = signCheckpoint(cp, [cosignatureSigner(witness.signerKey, () => 1700000000)]);
    assertCode(
      () => openCheckpoint(onlyWitness, ed25519NoteVerifier(log.verifierKey), { verifiers: [cosignatureVerifier(witness.verifierKey)] }),
      'UNVERIFIED',
      'log signature missing',
    );
    const signed = signCheckpoint(cp, [ed25519NoteSigner(log.signerKey)]);
    assertCode(() => openCheckpoint(signed, ed25519NoteVerifier(log.verifierKey), { origin: 'other.example' }), 'UNVERIFIED', 'origin option');
    const renamed = signCheckpoint({ ...cp, origin: 'impostor.example' }, [ed25519NoteSigner(log.signerKey)]);
    assertCode(() => openCheckpoint(renamed, ed25519NoteVerifier(log.verifierKey)), 'UNVERIFIED', 'origin is not the key name');
  });

  it('throws MALFORMED for a signed note that is not a checkpoint', () => {
    const signed = signNote('hello\n', [ed25519NoteSigner(log.signerKey)]);
    assertCode(() => openCheckpoint(signed, ed25519NoteVerifier(log.verifierKey)), 'MALFORMED');
  });
});
