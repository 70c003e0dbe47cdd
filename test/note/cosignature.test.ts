import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  COSIGNATURE_V1_LENGTH,
  SIGNATURE_TYPE_COSIGNATURE_V1,
  base64Decode,
  computeKeyId,
  cosignatureMessage,
  cosignatureSigner,
  cosignatureTimestamp,
  cosignatureVerifier,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatKeyId,
  formatNote,
  formatSignatureLine,
  generateCosignerKey,
  generateSignerKey,
  noteVerifier,
  openNote,
  parseNote,
  parseSignerKey,
  parseVerifierKey,
  signCosignature,
  signNote,
} from '../../src/note/index.ts';
import { ed25519Sign, ed25519Verify } from '../../src/crypto/ed25519.ts';
import { assertCode, formatsRepo, seed, witnessNetwork } from './fixtures.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const cosigner = generateCosignerKey('witness.example/w1', seed(21));
const logKey = generateSignerKey('log.example/cosig', seed(20));
const TEXT = 'log.example/cosig\n42\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
const T = 1679315147;

describe('cosignatureMessage', () => {
  it('is the header line, the time line and the checkpoint text (tlog-cosignature example)', () => {
    const text = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    const want = 'cosignature/v1\ntime 1679315147\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    assert.equal(new TextDecoder().decode(cosignatureMessage(text, 1679315147)), want);
  });

  it('writes the timestamp as a canonical decimal and refuses non-integers', () => {
    assert.ok(new TextDecoder().decode(cosignatureMessage(TEXT, 0)).startsWith('cosignature/v1\ntime 0\n'));
    assertCode(() => cosignatureMessage(TEXT, -1), 'MALFORMED');
    assertCode(() => cosignatureMessage(TEXT, 1.5), 'MALFORMED');
  });
});

describe('cosignatureVerifier', () => {
  it('verifies the remora.n621.de cosignature of a real witness-network checkpoint and reads its time', () => {
    const v = cosignatureVerifier(witnessNetwork.remoraVkey);
    const opened = openNote(witnessNetwork.note, [v]);
    assert.equal(opened.verified.length, 1);
    const sig = opened.verified[0].signature;
    assert.equal(cosignatureTimestamp(sig), witnessNetwork.remoraTimestamp);
    assert.equal(v.timestamp(enc(witnessNetwork.text), sig), witnessNetwork.remoraTimestamp);
  });

  it('rejects that cosignature once the checkpoint or the timestamp is altered', () => {
    const v = cosignatureVerifier(witnessNetwork.remoraVkey);
    const sig = openNote(witnessNetwork.note, [v]).verified[0].signature;
    assert.ok(!v.verify(enc(witnessNetwork.text.replace('1432088532', '1432088533')), sig), 'other size');
    for (let byte = 0; byte < 8; byte++) {
      const s = sig.slice();
      s[byte] ^= 1;
      assert.ok(!v.verify(enc(witnessNetwork.text), s), `timestamp byte ${byte}`);
    }
    assert.ok(!v.verify(enc(witnessNetwork.text), sig.subarray(0, 71)), 'short');
  });

  it('refuses keys that are not of type 0x04', () => {
    assertCode(() => cosignatureVerifier(witnessNetwork.logVkey), 'MALFORMED');
  });
});

describe('cosignatureTimestamp', () => {
  it('reads 1727964367 from the transparency-dev/formats vector and rejects a plain Ed25519 signature', () => {
    const raw = base64Decode(formatsRepo.cosigBase64);
    assert.equal(cosignatureTimestamp(raw.subarray(4)), formatsRepo.cosigTimestamp);
    assertCode(() => cosignatureTimestamp(base64Decode(formatsRepo.ed25519SigBase64).subarray(4)), 'MALFORMED');
  });

  it('rejects timestamps beyond 2^53 - 1', () => {
    const sig = new Uint8Array(COSIGNATURE_V1_LENGTH);
    sig.set([0x00, 0x1f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    assert.equal(cosignatureTimestamp(sig), Number.MAX_SAFE_INTEGER);
    sig.set([0x00, 0x20, 0, 0, 0, 0, 0, 0]);
    assertCode(() => cosignatureTimestamp(sig), 'MALFORMED');
  });
});

describe('signCosignature', () => {
  it('lays out key ID, big-endian timestamp and an Ed25519 signature over the v1 message', () => {
    const key = parseSignerKey(cosigner.signerKey);
    const cs = signCosignature(cosigner.signerKey, TEXT, T);
    assert.equal(cs.keyId, computeKeyId('witness.example/w1', SIGNATURE_TYPE_COSIGNATURE_V1, key.publicKey));
    assert.equal(cs.signature.length, 72);
    assert.equal(Buffer.from(cs.signature.subarray(0, 8)).readBigUInt64BE(), BigInt(T));
    assert.ok(ed25519Verify(key.publicKey, cosignatureMessage(TEXT, T), cs.signature.subarray(8)), 'independent Ed25519 check');
    const line = formatSignatureLine(cs);
    assert.ok(line.startsWith(`\u2014 witness.example/w1 `));
    assert.equal(formatKeyId(cs.keyId), cosigner.verifierKey.split('+')[1]);
  });

  it('round-trips through a note with the log signature, for timestamps 0 and 2^53 - 1', () => {
    for (const t of [0, T, Number.MAX_SAFE_INTEGER]) {
      const note = signNote(TEXT, [ed25519NoteSigner(logKey.signerKey), cosignatureSigner(cosigner.signerKey, () => t)]);
      const v = cosignatureVerifier(cosigner.verifierKey);
      const opened = openNote(note, [ed25519NoteVerifier(logKey.verifierKey), v]);
      assert.equal(opened.verified.length, 2);
      assert.equal(cosignatureTimestamp(opened.verified[1].signature), t);
    }
  });

  it('covers extension lines (transparency-dev/formats TestSigCoversExtensionLines)', () => {
    const text = TEXT + 'Extendo\n';
    const note = signNote(text, [cosignatureSigner(cosigner.signerKey, () => T)]);
    const v = cosignatureVerifier(cosigner.verifierKey);
    assert.equal(openNote(note, [v]).text, text);
    assertCode(() => openNote(note.replace('Extendo', 'Extend@'), [v]), 'INVALID_SIGNATURE');
  });

  it('is not verifiable as a plain Ed25519 signature of the same key, nor vice versa', () => {
    const seed21 = parseSignerKey(cosigner.signerKey).privateKey;
    const plain = generateSignerKey('witness.example/w1', seed21);
    const cosigned = signNote(TEXT, [cosignatureSigner(cosigner.signerKey, () => T)]);
    // Different type byte, different key ID: the 0x01 verifier does not even recognise the line.
    assertCode(() => openNote(cosigned, [ed25519NoteVerifier(plain.verifierKey)]), 'UNVERIFIED');
    // Forge a line that claims the cosigner's key ID but carries a plain signature: it must fail.
    const plainSig = ed25519NoteSigner(plain.signerKey).sign(enc(TEXT));
    const forged = formatNote(TEXT, [{ name: 'witness.example/w1', keyId: parseVerifierKey(cosigner.verifierKey).keyId, signature: plainSig }]);
    assertCode(() => openNote(forged, [cosignatureVerifier(cosigner.verifierKey)]), 'INVALID_SIGNATURE');
  });

  it('refuses to cosign texts that are not checkpoints and clocks that are not integer seconds', () => {
    assertCode(() => signCosignature(cosigner.signerKey, 'not a checkpoint\n', T), 'MALFORMED');
    assertCode(() => signNote('hello\n', [cosignatureSigner(cosigner.signerKey, () => T)]), 'MALFORMED');
    assertCode(() => signNote(TEXT, [cosignatureSigner(cosigner.signerKey, () => 1.5)]), 'MALFORMED');
    assertCode(() => signNote(TEXT, [cosignatureSigner(cosigner.signerKey, () => -1)]), 'MALFORMED');
    assertCode(() => signCosignature(logKey.signerKey, TEXT, T), 'MALFORMED', 'a 0x01 signer key');
  });

  it('does not verify a valid-looking cosignature on a text that is not a checkpoint', () => {
    const key = parseSignerKey(cosigner.signerKey);
    const text = 'hello\n';
    const sig = new Uint8Array(72);
    new DataView(sig.buffer).setBigUint64(0, BigInt(T));
    sig.set(ed25519Sign(key.privateKey, cosignatureMessage(text, T)), 8);
    assert.ok(ed25519Verify(key.publicKey, cosignatureMessage(text, T), sig.subarray(8)), 'the signature itself is valid');
    assert.ok(!cosignatureVerifier(cosigner.verifierKey).verify(enc(text), sig));
  });
});

describe('noteVerifier', () => {
  it('dispatches on the key type', () => {
    assert.equal(noteVerifier(witnessNetwork.logVkey).type, 0x01);
    assert.equal(noteVerifier(witnessNetwork.remoraVkey).type, 0x04);
    const opened = openNote(witnessNetwork.note, [noteVerifier(witnessNetwork.logVkey), noteVerifier(witnessNetwork.remoraVkey)]);
    assert.equal(opened.verified.length, 2);
    assert.equal(parseNote(witnessNetwork.note).signatures.length, 6);
  });
});
