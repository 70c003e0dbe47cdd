import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  SIGNATURE_TYPE_COSIGNATURE_V1,
  SIGNATURE_TYPE_ED25519,
  SIGNATURE_TYPE_ML_DSA_44,
  computeKeyId,
  ed25519NoteSigner,
  ed25519NoteVerifier,
  formatKeyId,
  formatSignerKey,
  formatVerifierKey,
  generateSignerKey,
  isValidKeyName,
  noteVerifier,
  parseSignerKey,
  parseVerifierKey,
} from '../../src/note/index.ts';
import { assertCode, formatsRepo, fromHex, goDoc, seed, spec, sumdb, toHex, witnessNetwork } from './fixtures.ts';

describe('computeKeyId', () => {
  it('gives the key hash of the sumdb vector (bbd1f747)', () => {
    const pub = fromHex(sumdb.json.ed25519_public_key_hex);
    assert.equal(formatKeyId(computeKeyId(sumdb.json.key_name, SIGNATURE_TYPE_ED25519, pub)), sumdb.json.key_hash_hex);
  });

  it('depends on the signature type byte (0x01 and 0x04 differ for one key)', () => {
    const pub = fromHex(sumdb.json.ed25519_public_key_hex);
    assert.notEqual(computeKeyId('n', SIGNATURE_TYPE_ED25519, pub), computeKeyId('n', SIGNATURE_TYPE_COSIGNATURE_V1, pub));
  });
});

describe('parseVerifierKey', () => {
  it('parses the signed-note spec key and formats it back byte for byte', () => {
    const k = parseVerifierKey(spec.vkey);
    assert.equal(k.name, 'example.com/foo');
    assert.equal(k.keyId, 0x530d903a);
    assert.equal(k.type, SIGNATURE_TYPE_ED25519);
    assert.equal(k.publicKey.length, 32);
    assert.equal(formatVerifierKey(k.name, k.type, k.publicKey), spec.vkey);
  });

  it('parses the sumdb vkey to the public key of checkpoint.json', () => {
    const k = parseVerifierKey(sumdb.vkey);
    assert.equal(toHex(k.publicKey), sumdb.json.ed25519_public_key_hex);
    assert.equal(formatKeyId(k.keyId), sumdb.json.key_hash_hex);
  });

  it('accepts a key whose base64 contains "+" (transparency-dev/formats vector)', () => {
    const k = parseVerifierKey(formatsRepo.plusVkey);
    assert.equal(k.name, 'TEST');
    assert.equal(formatVerifierKey(k.name, k.type, k.publicKey), formatsRepo.plusVkey);
  });

  it('parses a public witness key of type 0x04', () => {
    const k = parseVerifierKey(witnessNetwork.remoraVkey);
    assert.equal(k.type, SIGNATURE_TYPE_COSIGNATURE_V1);
    assert.equal(formatKeyId(k.keyId), 'da77ade7');
  });

  it('accepts an ML-DSA-44 key (type 0x06) of exactly 1312 bytes but builds no verifier for it', () => {
    const pub = new Uint8Array(1312).fill(7);
    const vkey = formatVerifierKey('pq.example', SIGNATURE_TYPE_ML_DSA_44, pub);
    assert.equal(parseVerifierKey(vkey).type, SIGNATURE_TYPE_ML_DSA_44);
    assertCode(() => noteVerifier(vkey), 'MALFORMED');
  });

  it('rejects the invalid keys of transparency-dev/formats and our stricter cases', () => {
    const pub = fromHex(sumdb.json.ed25519_public_key_hex);
    const b64 = (type: number, key: Uint8Array) => Buffer.concat([Buffer.of(type), Buffer.from(key)]).toString('base64');
    const good = sumdb.vkey; // example.com/testlog+bbd1f747+AXm1…
    const cases: [string, string][] = [
      ['wrong number of parts', 'bananas.sigstore.dev+12344556'],
      ['invalid base64', 'rekor.sigstore.dev+12345678+THIS_IS_NOT_BASE64!'],
      ['invalid algorithm 0x03', 'rekor.sigstore.dev+12345678+AwEB'],
      ['key ID not hex', good.replace('+bbd1f747+', '+NOT_A_NU+')],
      ['incorrect key ID', good.replace('+bbd1f747+', '+00000000+')],
      ['key ID off by one bit', good.replace('+bbd1f747+', '+bbd1f746+')],
      ['uppercase key ID', good.replace('+bbd1f747+', '+BBD1F747+')],
      ['7 hex digits', good.replace('+bbd1f747+', '+bd1f747+')],
      ['9 hex digits', good.replace('+bbd1f747+', '+0bbd1f747+')],
      ['no name', good.slice('example.com/testlog'.length)],
      ['31-byte key', `n+${formatKeyId(computeKeyId('n', 1, pub.subarray(1)))}+${b64(1, pub.subarray(1))}`],
      ['33-byte key', `n+${formatKeyId(computeKeyId('n', 1, Buffer.concat([pub, Buffer.of(0)])))}+${b64(1, Buffer.concat([pub, Buffer.of(0)]))}`],
      ['type 0x02 (ECDSA, unsupported)', `n+${formatKeyId(computeKeyId('n', 2, pub))}+${b64(2, pub)}`],
      ['empty key', 'n+00000000+'],
      ['non-canonical base64', good.slice(0, -1) + 'l'],
      ['trailing newline', good + '\n'],
      ['not a string', 42 as unknown as string],
      ['absurdly long', 'a'.repeat(10000)],
    ];
    for (const [what, vkey] of cases) assertCode(() => parseVerifierKey(vkey), 'MALFORMED', what);
  });

  it('rejects names with spaces, Unicode spaces or control characters even when the key ID matches', () => {
    const pub = fromHex(sumdb.json.ed25519_public_key_hex);
    for (const name of ['a b', 'a\tb', 'a\u00a0b', 'a\u3000b', 'a\u2028b', 'a\u0085b', 'a\u007fb', 'a\u0000b', 'a\ud800b']) {
      const id = formatKeyId(computeKeyId(name, 1, pub));
      const vkey = `${name}+${id}+${Buffer.concat([Buffer.of(1), Buffer.from(pub)]).toString('base64')}`;
      assertCode(() => parseVerifierKey(vkey), 'MALFORMED', JSON.stringify(name));
    }
  });
});

describe('isValidKeyName', () => {
  it('accepts URL-like and non-ASCII names and rejects empty, "+", spaces and controls', () => {
    for (const ok of ['example.com/log', 'PeterNeumann', 'oid/1.3.6.1', 'ünïcödé', 'a\u200bb']) assert.ok(isValidKeyName(ok), ok);
    for (const bad of ['', 'a+b', ' ', 'a b', 'a\nb', 'a\u2003b', 'a\u0085b', 'a\u009fb', 'a\u001bb']) {
      assert.ok(!isValidKeyName(bad), JSON.stringify(bad));
    }
  });
});

describe('parseSignerKey', () => {
  it('parses the sumdb skey to the seed and public key of checkpoint.json', () => {
    const k = parseSignerKey(sumdb.skey);
    assert.equal(toHex(k.privateKey), sumdb.json.ed25519_seed_hex);
    assert.equal(toHex(k.publicKey), sumdb.json.ed25519_public_key_hex);
    assert.equal(formatKeyId(k.keyId), sumdb.json.key_hash_hex);
  });

  it('derives the Go documentation vkey from its skey', () => {
    const k = parseSignerKey(goDoc.peterSkey);
    assert.equal(formatVerifierKey(k.name, k.type, k.publicKey), goDoc.peterVkey);
  });

  it('rejects a missing prefix, a wrong key ID, a short seed and unsupported types', () => {
    const k = parseSignerKey(sumdb.skey);
    const body = (type: number, s: Uint8Array) => Buffer.concat([Buffer.of(type), Buffer.from(s)]).toString('base64');
    const cases: [string, string][] = [
      ['no PRIVATE+KEY prefix', sumdb.skey.slice('PRIVATE+KEY+'.length)],
      ['lowercase prefix', sumdb.skey.replace('PRIVATE+KEY', 'private+key')],
      ['wrong key ID', sumdb.skey.replace('+bbd1f747+', '+bbd1f748+')],
      ['31-byte seed', `PRIVATE+KEY+${k.name}+bbd1f747+${body(1, k.privateKey.subarray(1))}`],
      ['ML-DSA type', `PRIVATE+KEY+${k.name}+bbd1f747+${body(6, k.privateKey)}`],
      ['a vkey', sumdb.vkey],
    ];
    for (const [what, skey] of cases) assertCode(() => parseSignerKey(skey), 'MALFORMED', what);
  });
});

describe('generateSignerKey', () => {
  it('reproduces the sumdb signer and verifier key strings from the seed', () => {
    const { signerKey, verifierKey } = generateSignerKey(sumdb.json.key_name, fromHex(sumdb.json.ed25519_seed_hex));
    assert.equal(signerKey, sumdb.skey);
    assert.equal(verifierKey, sumdb.vkey);
  });

  it('rejects invalid names and seeds of the wrong length', () => {
    assertCode(() => generateSignerKey('a b', seed(1)), 'MALFORMED');
    assertCode(() => generateSignerKey('a', new Uint8Array(31)), 'MALFORMED');
    assertCode(() => formatSignerKey('a', SIGNATURE_TYPE_ML_DSA_44, seed(1)), 'MALFORMED');
  });
});

describe('ed25519NoteSigner', () => {
  it('signs with the key that ed25519NoteVerifier of the matching vkey accepts', () => {
    const { signerKey, verifierKey } = generateSignerKey('test.example/k', seed(3));
    const s = ed25519NoteSigner(signerKey);
    const v = ed25519NoteVerifier(verifierKey);
    assert.equal(s.keyId, v.keyId);
    const msg = new TextEncoder().encode('hello\n');
    const sig = s.sign(msg);
    assert.ok(v.verify(msg, sig));
    sig[0] ^= 1;
    assert.ok(!v.verify(msg, sig));
    assert.ok(!v.verify(msg, sig.subarray(1)), 'a 63-byte signature');
  });

  it('refuses keys of another type', () => {
    const { signerKey, verifierKey } = generateSignerKey('w', seed(4), SIGNATURE_TYPE_COSIGNATURE_V1);
    assertCode(() => ed25519NoteSigner(signerKey), 'MALFORMED');
    assertCode(() => ed25519NoteVerifier(verifierKey), 'MALFORMED');
  });
});
