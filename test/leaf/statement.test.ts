// Signed statements (src/leaf/statement.ts): exact text of DESIGN §3, signing and verification.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { signStatement, statementBytes, statementFor, verifyStatement } from '../../src/leaf/statement.ts';
import type { StatementFields } from '../../src/leaf/statement.ts';
import { isStamplogError } from '../../src/base/errors.ts';

ed.hashes.sha512 = (m: Uint8Array) => sha512(m);

const unhex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const DIGEST = 'e02e0b1d4b9b7f5a4b8a3bb1d0b3f0d1b1a2c3d4e5f60718293a4b5c6d7e8f90';

const artifact: StatementFields = {
  kind: 'artifact',
  subject: { project: 'requests', version: '2.32.3', filename: 'requests-2.32.3-py3-none-any.whl', sha256: unhex(DIGEST), size: 64928 },
};

describe('statementFor', () => {
  it('writes an artifact statement exactly as DESIGN §3', () => {
    assert.equal(
      statementFor(artifact),
      'stamplog/v1 artifact\nrequests\n2.32.3\nrequests-2.32.3-py3-none-any.whl\n' + DIGEST + '\n64928\n',
    );
  });

  it('writes a signature statement with the kind on the first line', () => {
    assert.equal(
      statementFor({ ...artifact, kind: 'signature' }),
      'stamplog/v1 signature\nrequests\n2.32.3\nrequests-2.32.3-py3-none-any.whl\n' + DIGEST + '\n64928\n',
    );
  });

  it('adds the verdict line for a vetting statement', () => {
    assert.equal(
      statementFor({ ...artifact, kind: 'vetting', verdict: 'approved' }),
      'stamplog/v1 vetting\nrequests\n2.32.3\nrequests-2.32.3-py3-none-any.whl\n' + DIGEST + '\n64928\napproved\n',
    );
  });

  it('writes sizes in canonical decimal, including 0 and 2^53 − 1', () => {
    const s0 = statementFor({ ...artifact, subject: { ...artifact.subject, size: 0 } });
    assert.ok(s0.endsWith(`${DIGEST}\n0\n`), s0);
    const sMax = statementFor({ ...artifact, subject: { ...artifact.subject, size: 2 ** 53 - 1 } });
    assert.ok(sMax.endsWith(`${DIGEST}\n9007199254740991\n`), sMax);
  });

  it('encodes unicode text as UTF-8', () => {
    const s: StatementFields = { kind: 'artifact', subject: { project: 'naïve', version: '1.0', filename: 'naïve-1.0.tar.gz', sha256: new Uint8Array(32), size: 1 } };
    assert.equal(
      Buffer.from(statementBytes(s)).toString('hex'),
      Buffer.from('stamplog/v1 artifact\nna\u00efve\n1.0\nna\u00efve-1.0.tar.gz\n' + '00'.repeat(32) + '\n1\n', 'utf8').toString('hex'),
    );
    assert.ok(Buffer.from(statementBytes(s)).includes(Buffer.from([0x6e, 0x61, 0xc3, 0xaf, 0x76, 0x65])));
  });

  it('refuses fields that would make the text ambiguous or break the kind rules', () => {
    const cases: [StatementFields, RegExp][] = [
      [{ ...artifact, subject: { ...artifact.subject, filename: 'a\nb' } }, /subject\.filename/],
      [{ ...artifact, subject: { ...artifact.subject, project: '' } }, /subject\.project/],
      [{ ...artifact, verdict: 'approved' }, /verdict/],
      [{ ...artifact, kind: 'vetting' }, /verdict: required/],
      [{ ...artifact, kind: 'vetting', verdict: 'ok\nfine' }, /verdict/],
      [{ ...artifact, kind: 'bogus' as 'artifact' }, /kind/],
      [{ ...artifact, subject: { ...artifact.subject, size: -1 } }, /subject\.size/],
      [{ ...artifact, subject: { ...artifact.subject, sha256: new Uint8Array(31) } }, /subject\.sha256/],
    ];
    for (const [s, re] of cases) {
      assert.throws(() => statementFor(s), (e) => isStamplogError(e, 'MALFORMED') && re.test(e.message), re.source);
    }
  });
});

describe('signStatement / verifyStatement', () => {
  const seed = unhex('4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb');

  it('signs the exact statement bytes with Ed25519 (checked with noble directly)', () => {
    const sig = signStatement(seed, artifact);
    assert.equal(sig.alg, 'ed25519');
    assert.deepStrictEqual(sig.key, ed.getPublicKey(seed));
    const text = new TextEncoder().encode('stamplog/v1 artifact\nrequests\n2.32.3\nrequests-2.32.3-py3-none-any.whl\n' + DIGEST + '\n64928\n');
    assert.ok(ed.verify(sig.sig, text, sig.key, { zip215: false }));
    assert.ok(verifyStatement(sig.key, artifact, sig.sig));
  });

  it('binds every line: another kind, subject field or verdict does not verify', () => {
    const vet: StatementFields = { ...artifact, kind: 'vetting', verdict: 'approved' };
    const sig = signStatement(seed, vet);
    assert.ok(verifyStatement(sig.key, vet, sig.sig));
    const others: StatementFields[] = [
      { ...vet, verdict: 'rejected' },
      { ...artifact, kind: 'signature' },
      { ...vet, subject: { ...vet.subject, project: 'request' } },
      { ...vet, subject: { ...vet.subject, version: '2.32.4' } },
      { ...vet, subject: { ...vet.subject, filename: 'requests-2.32.3.tar.gz' } },
      { ...vet, subject: { ...vet.subject, size: 64929 } },
      { ...vet, subject: { ...vet.subject, sha256: new Uint8Array(32) } },
    ];
    for (const o of others) assert.equal(verifyStatement(sig.key, o, sig.sig), false, JSON.stringify(o, (_k, v: unknown) => (v instanceof Uint8Array ? 'bytes' : v)));
  });
});
