// Entries (src/leaf/entry.ts, reader.ts, entryjson.ts): submission JSON, leaf encoding and strict decoding, JSON form,
// publisher signatures and the dedup identity.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { otherNonceSignature } from '../helpers/crypto.ts';
import { Decoder } from 'cbor-x';
import {
  LIMITS,
  decodeLeaf,
  dedupKey,
  encodeLeaf,
  entryJSONText,
  entryToJSON,
  makeEntry,
  parseSubmission,
  signStatement,
  statementBytes,
  submissionToJSON,
  verifySubmissionSignature,
} from '../../src/leaf/index.ts';
import type { Entry, Submission } from '../../src/leaf/index.ts';
import { decodeCanonical, encodeCanonical } from '../../src/leaf/cbor.ts';
import { CborWriter, encodeKey } from '../../src/leaf/cborwriter.ts';
import type { CborMap, CborRecord, CborValue } from '../../src/leaf/cbor.ts';
import { ED25519_SMALL_ORDER_ENCODINGS, ed25519VerifyNode, ed25519VerifyPortable } from '../../src/crypto/ed25519.ts';
import { isStamplogError } from '../../src/base/errors.ts';
import type { StamplogError } from '../../src/base/errors.ts';
import { entryArb, newSubmissionArb } from './arbitraries.ts';

ed.hashes.sha512 = (m: Uint8Array) => sha512(m);

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const DIGEST = 'e02e0b1d4b9b7f5a4b8a3bb1d0b3f0d1b1a2c3d4e5f60718293a4b5c6d7e8f90';
const SEED = unhex('c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7');
const PUB = ed.getPublicKey(SEED);
const T0 = 1_717_000_000_000;

const wire = () => ({
  kind: 'artifact',
  subject: { project: 'requests', version: '2.32.3', filename: 'requests-2.32.3-py3-none-any.whl', sha256: DIGEST, size: 64928 },
  claims: { uploadedAt: '2024-05-29T15:37:47Z' },
});

const baseSubmission: Submission = {
  kind: 'artifact',
  subject: { project: 'requests', version: '2.32.3', filename: 'requests-2.32.3-py3-none-any.whl', sha256: unhex(DIGEST), size: 64928 },
};

function signed(sub: Submission, seed: Uint8Array = SEED): Submission {
  return { ...sub, sig: signStatement(seed, sub) };
}

/** The plain CBOR record of an entry, as an independent description of the leaf schema. */
function record(e: Entry): CborRecord {
  return {
    v: e.v,
    kind: e.kind,
    time: e.time,
    subject: { ...e.subject },
    claims: e.claims === undefined ? undefined : { ...e.claims },
    sig: e.sig === undefined ? undefined : { ...e.sig },
    verdict: e.verdict,
  };
}

function malformedWith(re: RegExp) {
  return (e: unknown) => isStamplogError(e, 'MALFORMED') && re.test((e as StamplogError).message);
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return new Uint8Array(Buffer.concat(parts));
}

describe('encodeLeaf', () => {
  it('equals the generic deterministic encoding of the same record (so the fixed key order is right)', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        assert.equal(hex(encodeLeaf(e)), hex(encodeCanonical(record(e))));
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('writes the top-level keys in the order v, sig, kind, time, claims, subject, verdict', () => {
    const e = makeEntry({ ...signed({ ...baseSubmission, kind: 'vetting', verdict: 'approved' }), claims: { uploadedAt: 1, backfill: true } }, T0);
    const plain = new Decoder({ mapsAsObjects: true, useRecords: false }).decode(Buffer.from(encodeLeaf(e))) as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(plain), ['v', 'sig', 'kind', 'time', 'claims', 'subject', 'verdict']);
    assert.deepEqual(Object.keys(plain.subject), ['size', 'sha256', 'project', 'version', 'filename']);
    assert.deepEqual(Object.keys(plain.claims), ['backfill', 'uploadedAt']);
    assert.deepEqual(Object.keys(plain.sig), ['alg', 'key', 'sig']);
  });

  it('starts with the map head and v = 1', () => {
    const leaf = encodeLeaf(makeEntry(baseSubmission, T0));
    assert.equal(hex(leaf.subarray(0, 4)), 'a4617601');
  });

  it('refuses entries the decoder would refuse', () => {
    const e = makeEntry(baseSubmission, T0);
    const bad: [Entry, RegExp][] = [
      [{ ...e, v: 2 as 1 }, /v: expected 1/],
      [{ ...e, time: -1 }, /time/],
      [{ ...e, time: 1.5 }, /time/],
      [{ ...e, time: 2 ** 53 }, /time/],
      [{ ...e, claims: {} }, /claims: must not be empty/],
      [{ ...e, claims: { backfill: false as unknown as true } }, /claims\.backfill/],
      [{ ...e, claims: { uploadedAt: LIMITS.maxUploadedAtMs + 1 } }, /claims\.uploadedAt/],
      [{ ...e, subject: { ...e.subject, sha256: new Uint8Array(31) } }, /subject\.sha256/],
      [{ ...e, subject: { ...e.subject, project: 'x'.repeat(LIMITS.projectBytes + 1) } }, /subject\.project/],
      [{ ...e, subject: { ...e.subject, filename: 'a\u0000b' } }, /subject\.filename: must not contain control character U\+0000/],
      [{ ...e, subject: { ...e.subject, version: '\ud800' } }, /subject\.version: must be well-formed/],
      [{ ...e, verdict: 'approved' }, /verdict/],
      [{ ...e, kind: 'signature' }, /sig: required/],
      [{ ...e, sig: { alg: 'ed25519', key: new Uint8Array(32), sig: new Uint8Array(63) } }, /sig\.sig/],
    ];
    for (const [entry, re] of bad) assert.throws(() => encodeLeaf(entry), malformedWith(re), re.source);
  });

  it('stays far below 65,535 bytes even with every text field at its limit', () => {
    const big = '\u{1F40D}'.repeat(LIMITS.filenameBytes / 4 - 1);
    const e = makeEntry(
      {
        kind: 'vetting',
        subject: { project: 'p'.repeat(LIMITS.projectBytes), version: 'v'.repeat(LIMITS.versionBytes), filename: big, sha256: new Uint8Array(32), size: 2 ** 53 - 1 },
        claims: { uploadedAt: LIMITS.maxUploadedAtMs, backfill: true },
        sig: { alg: 'ed25519', key: new Uint8Array(32), sig: new Uint8Array(64) },
        verdict: 'v'.repeat(LIMITS.verdictBytes),
      },
      2 ** 53 - 1,
    );
    const leaf = encodeLeaf(e);
    assert.ok(leaf.length < 1000, `${leaf.length}`);
    assert.deepStrictEqual(decodeLeaf(leaf), e);
  });
});

describe('decodeLeaf', () => {
  it('inverts encodeLeaf on arbitrary valid entries', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        assert.deepStrictEqual(decodeLeaf(encodeLeaf(e)), e);
      }),
      { seed: 2, numRuns: 300 },
    );
  });

  it('re-encodes a decoded leaf to the same bytes', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        const leaf = encodeLeaf(e);
        assert.equal(hex(encodeLeaf(decodeLeaf(leaf))), hex(leaf));
      }),
      { seed: 3, numRuns: 300 },
    );
  });

  it('accepts a Buffer and returns plain Uint8Array copies of the byte strings', () => {
    const e = makeEntry(signed(baseSubmission), T0);
    const buf = Buffer.from(encodeLeaf(e));
    const d = decodeLeaf(buf);
    assert.deepStrictEqual(d, e);
    assert.equal(Object.getPrototypeOf(d.subject.sha256), Uint8Array.prototype);
    buf.fill(0);
    assert.deepStrictEqual(d, e, 'the entry does not alias the input');
  });

  describe('when the CBOR is not deterministic', () => {
    const e = makeEntry(signed({ ...baseSubmission, claims: { uploadedAt: 1, backfill: true } }), T0);
    const leaf = encodeLeaf(e);
    const head = leaf[0]; // a6: map of 6 pairs
    const body = leaf.subarray(1);
    assert.equal(head, 0xa6);
    assert.equal(hex(body.subarray(0, 3)), '617601');

    it('rejects a shuffled-key encoding of the same map', () => {
      const m = decodeCanonical(leaf) as CborMap;
      const w = new CborWriter();
      w.mapHead(m.size);
      for (const [k, v] of [...m].reverse()) {
        w.raw(encodeKey(k));
        w.raw(encodeCanonical(v));
      }
      assert.throws(() => decodeLeaf(w.finish()), malformedWith(/not in deterministic/));
    });

    it('rejects a non-minimal integer (v = 1 as 18 01)', () => {
      assert.throws(() => decodeLeaf(concat(Uint8Array.of(head, 0x61, 0x76, 0x18, 0x01), body.subarray(3))), malformedWith(/short as possible/));
    });

    it('rejects a non-minimal map length', () => {
      assert.throws(() => decodeLeaf(concat(Uint8Array.of(0xb8, 6), body)), malformedWith(/short as possible/));
    });

    it('rejects an indefinite-length map', () => {
      assert.throws(() => decodeLeaf(concat(Uint8Array.of(0xbf), body, Uint8Array.of(0xff))), malformedWith(/indefinite/));
    });

    it('rejects a duplicate key', () => {
      assert.throws(() => decodeLeaf(concat(Uint8Array.of(head + 1, 0x61, 0x76, 0x01), body)), malformedWith(/duplicate map key/));
    });

    it('rejects a float where an integer belongs', () => {
      assert.throws(() => decodeLeaf(concat(Uint8Array.of(head, 0x61, 0x76, 0xf9, 0x3c, 0x00), body.subarray(3))), malformedWith(/floating-point/));
    });

    it('rejects a tag, inside or around the leaf', () => {
      const i = hex(leaf).indexOf('6673686132353658' + '20') / 2 + 7; // the bstr head of subject.sha256
      assert.ok(i > 7);
      const tagged = concat(leaf.subarray(0, i), Uint8Array.of(0xd8, 0x40), leaf.subarray(i));
      assert.throws(() => decodeLeaf(tagged), malformedWith(/tags/));
      assert.throws(() => decodeLeaf(concat(Uint8Array.of(0xd9, 0xd9, 0xf7), leaf)), malformedWith(/tags/));
    });

    it('rejects trailing bytes', () => {
      assert.throws(() => decodeLeaf(concat(leaf, Uint8Array.of(0))), malformedWith(/trailing/));
    });
  });

  describe('when the CBOR is deterministic but breaks the schema', () => {
    const e = makeEntry(signed({ ...baseSubmission, kind: 'vetting', verdict: 'approved', claims: { uploadedAt: 5 } }), T0);
    const base = record(e);
    const subj = base.subject as CborRecord;
    const sig = base.sig as CborRecord;
    const cases: [string, CborValue, RegExp][] = [
      ['another version', { ...base, v: 2 }, /v: unsupported leaf version 2/],
      ['no version', { ...base, v: undefined }, /v: required/],
      ['no time', { ...base, time: undefined }, /time: required/],
      ['an unknown top-level field', { ...base, extra: 1 }, /extra: unknown field/],
      ['an unknown subject field', { ...base, subject: { ...subj, url: 'x' } }, /subject\.url: unknown field/],
      ['a missing subject field', { ...base, subject: { ...subj, size: undefined } }, /subject\.size: required/],
      ['empty claims', { ...base, claims: {} }, /claims: must not be empty/],
      ['backfill false', { ...base, claims: { backfill: false } }, /claims\.backfill: must be true/],
      ['uploadedAt past year 9999', { ...base, claims: { uploadedAt: LIMITS.maxUploadedAtMs + 1 } }, /claims\.uploadedAt/],
      ['uploadedAt as text', { ...base, claims: { uploadedAt: '2024-01-01T00:00:00Z' } }, /claims\.uploadedAt/],
      ['a 31-byte sha256', { ...base, subject: { ...subj, sha256: new Uint8Array(31) } }, /subject\.sha256: expected a byte string of 32 bytes/],
      ['sha256 as hex text', { ...base, subject: { ...subj, sha256: DIGEST } }, /subject\.sha256/],
      ['a 33-byte key', { ...base, sig: { ...sig, key: new Uint8Array(33) } }, /sig\.key/],
      ['a 63-byte signature', { ...base, sig: { ...sig, sig: new Uint8Array(63) } }, /sig\.sig/],
      ['another algorithm', { ...base, sig: { ...sig, alg: 'ed448' } }, /sig\.alg/],
      ['an unknown kind', { ...base, kind: 'key' }, /kind/],
      ['a vetting without verdict', { ...base, verdict: undefined }, /verdict: required/],
      ['a verdict on an artifact', { ...base, kind: 'artifact' }, /verdict: only allowed/],
      ['a signature entry without sig', { ...base, kind: 'signature', verdict: undefined, sig: undefined }, /sig: required/],
      ['a control character', { ...base, subject: { ...subj, project: 'a\u007fb' } }, /subject\.project: must not contain control/],
      ['an over-long version', { ...base, subject: { ...subj, version: '1'.repeat(LIMITS.versionBytes + 1) } }, /subject\.version: must be at most/],
      ['an empty filename', { ...base, subject: { ...subj, filename: '' } }, /subject\.filename: must not be empty/],
      ['a size as text', { ...base, subject: { ...subj, size: '1' } }, /subject\.size/],
      ['an array at the top', [1, 2], /leaf: expected a CBOR map/],
      ['a subject that is an array', { ...base, subject: [] }, /subject: expected a CBOR map/],
    ];
    for (const [what, value, re] of cases) {
      it(`rejects ${what}`, () => {
        assert.throws(() => decodeLeaf(encodeCanonical(value)), malformedWith(re));
      });
    }

    it('lists every problem, each with its field path', () => {
      const value = { ...base, v: 3, subject: { ...subj, size: '1', project: '' }, extra: true };
      try {
        decodeLeaf(encodeCanonical(value));
        assert.fail('accepted');
      } catch (err) {
        assert.ok(isStamplogError(err, 'MALFORMED'));
        const paths = (err.details?.problems as { path: string }[]).map((p) => p.path).sort();
        assert.deepEqual(paths, ['extra', 'subject.project', 'subject.size', 'v']);
      }
    });

    it('rejects a leaf over 65,535 bytes with TOO_LARGE', () => {
      const huge = encodeCanonical({ ...base, subject: { ...subj, filename: 'x'.repeat(70_000) } });
      assert.throws(() => decodeLeaf(huge), (err) => isStamplogError(err, 'TOO_LARGE'));
    });
  });
});

describe('parseSubmission', () => {
  it('reads the DESIGN §4 example', () => {
    const s = parseSubmission(wire());
    assert.deepStrictEqual(s, { ...baseSubmission, claims: { uploadedAt: Date.UTC(2024, 4, 29, 15, 37, 47) } });
  });

  it('reads keys and signatures in base64 and every kind', () => {
    const vet = signed({ ...baseSubmission, kind: 'vetting', verdict: 'reviewed' });
    const json = { ...wire(), kind: 'vetting', verdict: 'reviewed', sig: { alg: 'ed25519', key: Buffer.from(vet.sig!.key).toString('base64'), sig: Buffer.from(vet.sig!.sig).toString('base64') } };
    const s = parseSubmission(json);
    assert.deepStrictEqual(s.sig, vet.sig);
    assert.equal(s.verdict, 'reviewed');
    assert.equal(parseSubmission({ ...json, kind: 'signature', verdict: undefined }).kind, 'signature');
  });

  it('drops claims that say nothing: {} and {backfill: false}', () => {
    assert.equal(parseSubmission({ ...wire(), claims: {} }).claims, undefined);
    assert.equal(parseSubmission({ ...wire(), claims: { backfill: false } }).claims, undefined);
    assert.deepStrictEqual(parseSubmission({ ...wire(), claims: { backfill: true } }).claims, { backfill: true });
  });

  it('keeps milliseconds of uploadedAt and drops finer digits', () => {
    const s = parseSubmission({ ...wire(), claims: { uploadedAt: '2024-05-29T15:37:47.123456Z' } });
    assert.equal(s.claims?.uploadedAt, Date.UTC(2024, 4, 29, 15, 37, 47, 123));
  });

  it('round-trips with submissionToJSON on arbitrary submissions', () => {
    fc.assert(
      fc.property(newSubmissionArb, (s) => {
        assert.deepStrictEqual(parseSubmission(JSON.parse(JSON.stringify(submissionToJSON(s)))), s);
      }),
      { seed: 4, numRuns: 300 },
    );
  });

  const KEY64 = Buffer.from(PUB).toString('base64');
  const SIG64 = Buffer.alloc(64, 1).toString('base64');
  const w = wire();
  const HOSTILE: [string, unknown, RegExp][] = [
    ['null', null, /submission: expected a JSON object/],
    ['an array', [w], /submission: expected a JSON object/],
    ['a string', JSON.stringify(w), /submission: expected a JSON object/],
    ['no kind', { ...w, kind: undefined }, /kind: required/],
    ['an unknown kind', { ...w, kind: 'Artifact' }, /kind: expected "artifact"/],
    ['a numeric kind', { ...w, kind: 1 }, /kind: expected/],
    ['no subject', { ...w, subject: undefined }, /subject: required/],
    ['a subject array', { ...w, subject: [] }, /subject: expected a JSON object/],
    ['an unknown field', { ...w, index: 5 }, /index: unknown field/],
    ['a __proto__ field', JSON.parse('{"kind":"artifact","__proto__":{"x":1},"subject":' + JSON.stringify(w.subject) + '}'), /__proto__: unknown field/],
    ['v and time (entry fields)', { ...w, v: 1, time: 5 }, /v: unknown field.*time: unknown field/],
    ['an unknown subject field', { ...w, subject: { ...w.subject, url: 'x' } }, /subject\.url: unknown field/],
    ['no project', { ...w, subject: { ...w.subject, project: undefined } }, /subject\.project: required/],
    ['an empty project', { ...w, subject: { ...w.subject, project: '' } }, /subject\.project: must not be empty/],
    ['a numeric version', { ...w, subject: { ...w.subject, version: 2 } }, /subject\.version: expected a text string/],
    ['a newline in a filename', { ...w, subject: { ...w.subject, filename: 'a\nb.whl' } }, /subject\.filename: must not contain control character U\+000A/],
    ['a C1 control in a filename', { ...w, subject: { ...w.subject, filename: 'a\u0085b' } }, /subject\.filename: must not contain control/],
    ['a lone surrogate', { ...w, subject: { ...w.subject, project: 'x\udc00' } }, /subject\.project: must be well-formed/],
    ['an over-long filename', { ...w, subject: { ...w.subject, filename: 'é'.repeat(128) } }, /subject\.filename: must be at most 255 UTF-8 bytes/],
    ['an upper-case digest', { ...w, subject: { ...w.subject, sha256: DIGEST.toUpperCase() } }, /subject\.sha256: expected 64 lowercase hex digits/],
    ['a short digest', { ...w, subject: { ...w.subject, sha256: DIGEST.slice(2) } }, /subject\.sha256: expected 64 lowercase hex digits/],
    ['a base64 digest', { ...w, subject: { ...w.subject, sha256: Buffer.from(DIGEST, 'hex').toString('base64') } }, /subject\.sha256/],
    ['a negative size', { ...w, subject: { ...w.subject, size: -1 } }, /subject\.size: expected an integer/],
    ['a fractional size', { ...w, subject: { ...w.subject, size: 1.5 } }, /subject\.size: expected an integer/],
    ['a size beyond 2^53 − 1', { ...w, subject: { ...w.subject, size: 2 ** 53 } }, /subject\.size: expected an integer/],
    ['a size as text', { ...w, subject: { ...w.subject, size: '64928' } }, /subject\.size: expected an integer/],
    ['claims null', { ...w, claims: null }, /claims: expected a JSON object/],
    ['an unknown claim', { ...w, claims: { uploader: 'x' } }, /claims\.uploader: unknown field/],
    ['uploadedAt with an offset', { ...w, claims: { uploadedAt: '2024-05-29T17:37:47+02:00' } }, /claims\.uploadedAt: expected an RFC 3339 UTC time/],
    ['uploadedAt as a number', { ...w, claims: { uploadedAt: 1716997067000 } }, /claims\.uploadedAt/],
    ['uploadedAt before 1970', { ...w, claims: { uploadedAt: '1969-07-20T20:17:40Z' } }, /claims\.uploadedAt/],
    ['backfill as text', { ...w, claims: { backfill: 'yes' } }, /claims\.backfill: expected a boolean/],
    ['a signature kind without sig', { ...w, kind: 'signature' }, /sig: required for kind "signature"/],
    ['a vetting without verdict', { ...w, kind: 'vetting', sig: { alg: 'ed25519', key: KEY64, sig: SIG64 } }, /verdict: required/],
    ['a verdict on an artifact', { ...w, verdict: 'approved' }, /verdict: only allowed for kind "vetting"/],
    ['a capitalised verdict', { ...w, kind: 'vetting', verdict: 'Approved', sig: { alg: 'ed25519', key: KEY64, sig: SIG64 } }, /verdict: expected a lowercase word/],
    ['another algorithm', { ...w, sig: { alg: 'openpgp', key: KEY64, sig: SIG64 } }, /sig\.alg: expected "ed25519"/],
    ['no key', { ...w, sig: { alg: 'ed25519', sig: SIG64 } }, /sig\.key: required/],
    ['a 31-byte key', { ...w, sig: { alg: 'ed25519', key: Buffer.alloc(31).toString('base64'), sig: SIG64 } }, /sig\.key: expected canonical standard base64 of 32 bytes/],
    ['a base64url key', { ...w, sig: { alg: 'ed25519', key: Buffer.from(PUB).toString('base64url'), sig: SIG64 } }, /sig\.key/],
    ['a key with non-zero pad bits', { ...w, sig: { alg: 'ed25519', key: KEY64.slice(0, 42) + 'B=', sig: SIG64 } }, /sig\.key/],
    ['a hex signature', { ...w, sig: { alg: 'ed25519', key: KEY64, sig: 'ab'.repeat(64) } }, /sig\.sig: expected canonical standard base64 of 64 bytes/],
    ['an unknown sig field', { ...w, sig: { alg: 'ed25519', key: KEY64, sig: SIG64, keyId: 'x' } }, /sig\.keyId: unknown field/],
  ];
  assert.ok(HOSTILE.length >= 25);
  for (const [what, json, re] of HOSTILE) {
    it(`rejects ${what}, naming the field`, () => {
      assert.throws(() => parseSubmission(json), malformedWith(re));
    });
  }

  it('collects every problem of a submission, not just the first', () => {
    const json = { kind: 'vetting', subject: { ...w.subject, sha256: 'xyz', size: -3 }, claims: { uploadedAt: 'yesterday' }, extra: 1 };
    try {
      parseSubmission(json);
      assert.fail('accepted');
    } catch (err) {
      assert.ok(isStamplogError(err, 'MALFORMED'));
      const paths = (err.details?.problems as { path: string }[]).map((p) => p.path).sort();
      assert.deepEqual(paths, ['claims.uploadedAt', 'extra', 'sig', 'subject.sha256', 'subject.size', 'verdict']);
      for (const p of paths) assert.ok(err.message.includes(`${p}:`), p);
    }
  });

  it(`reports at most ${LIMITS.maxProblems} problems, then counts the rest`, () => {
    const json: Record<string, unknown> = { ...w };
    for (let i = 0; i < 100; i++) json[`f${i}`] = i;
    try {
      parseSubmission(json);
      assert.fail('accepted');
    } catch (err) {
      assert.ok(isStamplogError(err, 'MALFORMED'));
      assert.equal((err.details?.problems as unknown[]).length, LIMITS.maxProblems);
      assert.match(err.message, /and 80 more$/);
    }
  });

  it('turns a hostile object (throwing getter, Proxy) into MALFORMED', () => {
    const getter = { ...w };
    Object.defineProperty(getter, 'kind', { enumerable: true, get: () => { throw new TypeError('boom'); } });
    assert.throws(() => parseSubmission(getter), malformedWith(/submission: could not be read/));
    const proxy = new Proxy(w, { ownKeys: () => { throw new RangeError('boom'); } });
    assert.throws(() => parseSubmission(proxy), (err) => isStamplogError(err, 'MALFORMED'));
  });
});

describe('parseSubmission: intake rules for names', () => {
  const w = wire();
  const withSubject = (fields: Record<string, string>) => ({ ...w, subject: { ...w.subject, ...fields } });
  const REFUSED: [string, Record<string, string>, RegExp][] = [
    ['a path with ..', { filename: '../../etc/passwd' }, /subject\.filename: must be a basename/],
    ['a slash', { filename: 'dist/requests-2.32.3.tar.gz' }, /subject\.filename: must be a basename/],
    ['a backslash', { filename: 'dist\\requests-2.32.3.tar.gz' }, /subject\.filename: must be a basename/],
    ['"."', { filename: '.' }, /subject\.filename: must not start with "\."/],
    ['".."', { filename: '..' }, /subject\.filename: must not start with "\."/],
    ['a hidden file', { filename: '.bashrc' }, /subject\.filename: must not start with "\."/],
    ['a zero-width space in a project', { project: 'req\u200Buests' }, /subject\.project: must not contain invisible or bidirectional formatting character U\+200B/],
    ['a right-to-left override in a filename', { filename: 'evil\u202Egpj.exe' }, /subject\.filename: .*U\+202E/],
    ['a left-to-right isolate in a version', { version: '1.0\u2066' }, /subject\.version: .*U\+2066/],
    ['a byte order mark in a project', { project: '\uFEFFrequests' }, /subject\.project: .*U\+FEFF/],
    ['a line separator in a filename', { filename: 'a\u2028b.whl' }, /subject\.filename: .*U\+2028/],
    ['a paragraph separator in a version', { version: '1\u20290' }, /subject\.version: .*U\+2029/],
    ['a zero-width joiner in a filename', { filename: 'a\u200Db.whl' }, /subject\.filename: .*U\+200D/],
    ['a tag character in a project', { project: 'requests\u{E0041}' }, /subject\.project: .*U\+E0041/],
  ];
  for (const [what, fields, re] of REFUSED) {
    it(`refuses ${what}, naming the field`, () => {
      assert.throws(() => parseSubmission(withSubject(fields)), malformedWith(re));
    });
  }

  it('names every bad name of one submission, with the other problems', () => {
    try {
      parseSubmission({ ...withSubject({ project: 'a\u200Bb', version: '\u202E1', filename: '../x' }), claims: { uploadedAt: 'never' } });
      assert.fail('accepted');
    } catch (err) {
      assert.ok(isStamplogError(err, 'MALFORMED'));
      const paths = (err.details?.problems as { path: string }[]).map((p) => p.path).sort();
      assert.deepEqual(paths, ['claims.uploadedAt', 'subject.filename', 'subject.project', 'subject.version']);
    }
  });

  it('accepts names an index may send, keeping their exact spelling', () => {
    const accepted: Record<string, string>[] = [
      { project: 'Requests_Toolbelt', filename: 'Requests_Toolbelt-1.0.tar.gz' },
      { project: 'zope.interface', filename: 'zope.interface-6.0..tar.gz' },
      { project: '@scope/pkg', filename: 'pkg-1.0.tgz' },
      { filename: 'caf\u0065\u0301-1.0.tar.gz' }, // NFD: kept as sent, not normalised
      { project: '\u05E9\u05DC\u05D5\u05DD', filename: '\u05E9\u05DC\u05D5\u05DD-1.0.tar.gz' }, // right-to-left letters are not controls
    ];
    for (const fields of accepted) {
      const s = parseSubmission(withSubject(fields));
      for (const [k, v] of Object.entries(fields)) assert.equal(s.subject[k as 'project' | 'filename'], v);
    }
  });

  it('with {logged: true} reads an entry logged before the rules (a log serves it)', () => {
    const json = withSubject({ filename: '../../etc/passwd', project: 'req\u200Buests' });
    assert.equal(parseSubmission(json, { logged: true }).subject.filename, '../../etc/passwd');
  });
});

describe('decodeLeaf and encodeLeaf: leaves logged before the intake rules', () => {
  it('keep decoding and re-encode to the same bytes (a log that holds ../../etc/passwd stays readable)', () => {
    for (const subject of [
      { ...baseSubmission.subject, filename: '../../etc/passwd' },
      { ...baseSubmission.subject, filename: '.hidden', project: 'evil\u202Egpj', version: '1\u200B0' },
    ]) {
      const entry = makeEntry({ ...baseSubmission, subject }, T0);
      const leaf = encodeLeaf(entry);
      const decoded = decodeLeaf(leaf);
      assert.deepStrictEqual(decoded, entry);
      assert.deepStrictEqual(encodeLeaf(decoded), leaf);
      // and its JSON as a log serves it is read back for proving (client check)
      const { v, time, ...rest } = entryToJSON(decoded);
      assert.equal(v, 1);
      assert.deepStrictEqual(makeEntry(parseSubmission(JSON.parse(JSON.stringify(rest)), { logged: true }), time), entry);
    }
  });
});

describe('makeEntry', () => {
  it('adds v = 1 and the time, keeping every given field', () => {
    const s = signed({ ...baseSubmission, claims: { backfill: true } });
    assert.deepStrictEqual(makeEntry(s, T0), { v: 1, time: T0, ...s });
  });

  it('refuses a time that is not an integer from 0 to 2^53 − 1', () => {
    for (const t of [-1, 0.5, 2 ** 53, NaN, Infinity]) {
      assert.throws(() => makeEntry(baseSubmission, t), malformedWith(/time/), String(t));
    }
    assert.equal(makeEntry(baseSubmission, 0).time, 0);
    assert.equal(makeEntry(baseSubmission, 2 ** 53 - 1).time, 2 ** 53 - 1);
  });
});

describe('entryToJSON', () => {
  it('gives the wire shape with v and time in ms', () => {
    const e = makeEntry({ ...signed(baseSubmission), claims: { uploadedAt: Date.UTC(2024, 4, 29, 15, 37, 47), backfill: true } }, T0);
    assert.deepStrictEqual(JSON.parse(JSON.stringify(entryToJSON(e))), {
      v: 1,
      kind: 'artifact',
      time: T0,
      subject: { project: 'requests', version: '2.32.3', filename: 'requests-2.32.3-py3-none-any.whl', sha256: DIGEST, size: 64928 },
      claims: { uploadedAt: '2024-05-29T15:37:47.000Z', backfill: true },
      sig: { alg: 'ed25519', key: Buffer.from(PUB).toString('base64'), sig: Buffer.from(e.sig!.sig).toString('base64') },
    });
  });

  it('is read back by parseSubmission once v and time are removed', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        const { v, time, ...rest } = entryToJSON(e);
        assert.equal(v, 1);
        assert.equal(time, e.time);
        assert.deepStrictEqual(makeEntry(parseSubmission(rest, { logged: true }), time), e);
      }),
      { seed: 5, numRuns: 200 },
    );
  });
});


describe('entryJSONText', () => {
  const isASCII = (s: string) => /^[\x20-\x7e]*$/.test(s);

  it('is JSON.stringify(entryToJSON(entry)) with non-ASCII escaped, and parses back to entryToJSON(entry)', () => {
    fc.assert(
      fc.property(entryArb, (e) => {
        const text = entryJSONText(e);
        const expected = JSON.stringify(entryToJSON(e));
        assert.ok(isASCII(text), text);
        assert.deepStrictEqual(JSON.parse(text), entryToJSON(e));
        assert.equal(text, expected.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`));
        if (isASCII(expected)) assert.equal(text, expected);
      }),
      { seed: 7, numRuns: 500 },
    );
  });

  it('writes every optional member in entryToJSON order', () => {
    const e = makeEntry({ ...signed(baseSubmission), claims: { uploadedAt: Date.UTC(2024, 4, 29, 15, 37, 47), backfill: true } }, T0);
    assert.equal(entryJSONText(e), JSON.stringify(entryToJSON(e)));
    const withNonASCII = makeEntry({ ...baseSubmission, subject: { ...baseSubmission.subject, project: 'caf\u00e9', filename: 'caf\u00e9-\u{1F600}.tar.gz' } }, T0);
    assert.match(entryJSONText(withNonASCII), /"project":"caf\\u00e9","version".*"filename":"caf\\u00e9-\\ud83d\\ude00\.tar\.gz"/);
  });
});

describe('verifySubmissionSignature', () => {
  it('accepts a good signature on every kind', () => {
    for (const s of [
      signed(baseSubmission),
      signed({ ...baseSubmission, kind: 'signature' }),
      signed({ ...baseSubmission, kind: 'vetting', verdict: 'approved' }),
    ]) {
      assert.doesNotThrow(() => verifySubmissionSignature(s));
      assert.doesNotThrow(() => verifySubmissionSignature(makeEntry(s, T0)));
    }
  });

  it('accepts an artifact without a signature', () => {
    assert.doesNotThrow(() => verifySubmissionSignature(baseSubmission));
  });

  it('refuses a bad signature with INVALID_SIGNATURE', () => {
    const s = signed(baseSubmission);
    const flipped = s.sig!.sig.slice();
    flipped[10] ^= 4;
    assert.throws(() => verifySubmissionSignature({ ...s, sig: { ...s.sig!, sig: flipped } }), (e) => isStamplogError(e, 'INVALID_SIGNATURE') && /sig\.sig/.test(e.message));
    // A signature over another statement (the kind is part of it) does not carry over.
    assert.throws(() => verifySubmissionSignature({ ...s, kind: 'signature' }), (e) => isStamplogError(e, 'INVALID_SIGNATURE'));
    // Nor does one by another key.
    assert.throws(() => verifySubmissionSignature({ ...s, sig: { ...s.sig!, key: ed.getPublicKey(new Uint8Array(32)) } }), (e) => isStamplogError(e, 'INVALID_SIGNATURE'));
  });

  it('refuses small-order and non-canonical keys with a clear reason', () => {
    const identity = unhex(ED25519_SMALL_ORDER_ENCODINGS[0]);
    // With the identity as key, R = identity and S = 0 satisfy the equation for any statement.
    const forged: Submission = { ...baseSubmission, sig: { alg: 'ed25519', key: identity, sig: new Uint8Array([...identity, ...new Uint8Array(32)]) } };
    assert.throws(() => verifySubmissionSignature(forged), (e) => isStamplogError(e, 'INVALID_SIGNATURE') && /sig\.key: .*small order/.test(e.message));
    const nonCanonical = unhex('edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f');
    assert.throws(
      () => verifySubmissionSignature({ ...forged, sig: { ...forged.sig!, key: nonCanonical } }),
      (e) => isStamplogError(e, 'INVALID_SIGNATURE') && /sig\.key: .*not canonically encoded/.test(e.message),
    );
  });

  it('refuses a signature or vetting entry without sig with MALFORMED', () => {
    assert.throws(() => verifySubmissionSignature({ ...baseSubmission, kind: 'signature' }), malformedWith(/sig: required/));
  });

  it('accepts a second valid signature by the same key, which has the same dedupKey', () => {
    const s = signed({ ...baseSubmission, kind: 'signature' });
    const other = otherNonceSignature(SEED, statementBytes(s), 0x1234567890abcdefn);
    assert.notEqual(hex(other), hex(s.sig!.sig));
    assert.ok(ed25519VerifyNode(PUB, statementBytes(s), other) && ed25519VerifyPortable(PUB, statementBytes(s), other));
    const s2: Submission = { ...s, sig: { ...s.sig!, sig: other } };
    assert.doesNotThrow(() => verifySubmissionSignature(s2));
    assert.equal(dedupKey(s2), dedupKey(s));
    assert.notEqual(hex(encodeLeaf(makeEntry(s2, T0))), hex(encodeLeaf(makeEntry(s, T0))));
  });
});

describe('dedupKey', () => {
  it('is 64 hex digits and the same for a submission and its entries at any time', () => {
    const s = signed(baseSubmission);
    const k = dedupKey(s);
    assert.match(k, /^[0-9a-f]{64}$/);
    assert.equal(dedupKey(makeEntry(s, 0)), k);
    assert.equal(dedupKey(makeEntry(s, T0)), k);
  });

  it('ignores the signature bytes but not the signer key', () => {
    const s = signed(baseSubmission);
    assert.equal(dedupKey({ ...s, sig: { ...s.sig!, sig: new Uint8Array(64) } }), dedupKey(s));
    assert.notEqual(dedupKey(signed(baseSubmission, new Uint8Array(32).fill(1))), dedupKey(s));
    assert.notEqual(dedupKey(baseSubmission), dedupKey(s));
  });

  it('changes with every identity field', () => {
    const s = signed({ ...baseSubmission, kind: 'vetting', verdict: 'approved', claims: { uploadedAt: 7 } });
    const k = dedupKey(s);
    const variants: Submission[] = [
      { ...s, kind: 'signature', verdict: undefined },
      { ...s, verdict: 'rejected' },
      { ...s, claims: undefined },
      { ...s, claims: { uploadedAt: 8 } },
      { ...s, claims: { uploadedAt: 7, backfill: true } },
      { ...s, subject: { ...s.subject, project: 'requests2' } },
      { ...s, subject: { ...s.subject, version: '2.32.4' } },
      { ...s, subject: { ...s.subject, filename: 'x.whl' } },
      { ...s, subject: { ...s.subject, sha256: new Uint8Array(32) } },
      { ...s, subject: { ...s.subject, size: 1 } },
    ];
    const keys = new Set(variants.map(dedupKey));
    assert.equal(keys.size, variants.length);
    assert.ok(!keys.has(k));
  });

  it('agrees with leaf equality up to time and signature bytes on arbitrary entries', () => {
    fc.assert(
      fc.property(entryArb, entryArb, (a, b) => {
        const strip = (e: Entry) => hex(encodeLeaf({ ...e, time: 0, sig: e.sig === undefined ? undefined : { ...e.sig, sig: new Uint8Array(64) } }));
        assert.equal(dedupKey(a) === dedupKey(b), strip(a) === strip(b));
        const later: Entry = { ...a, time: b.time };
        assert.equal(dedupKey(a), dedupKey(later));
      }),
      { seed: 6, numRuns: 200 },
    );
  });
});
