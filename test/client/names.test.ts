// The client compares names as the index does (src/leaf/names.ts): publisher-key pins and related receipts by
// the PEP 503 project key and the NFC filename; entries logged before the intake rules stay verifiable.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { verifyArtifact, sameSubject } from '../../src/verify/artifact.ts';
import { leafOfHit } from '../../src/client/check.ts';
import { verifyReceipt } from '../../src/verify/receipt.ts';
import { parsePublisherPin } from '../../src/verify/requirements.ts';
import { signStatement, toHex } from '../../src/leaf/index.ts';
import type { Submission } from '../../src/leaf/index.ts';
import { generateSignerKey } from '../../src/note/keys.ts';
import { parsePolicy } from '../../src/note/policy.ts';
import { isStamplogError } from '../../src/base/errors.ts';
import { logKeys, openMemoryLog } from '../log/fixtures.ts';

const policy = parsePolicy(`log ${logKeys().logVerifierKey}\nquorum none\n`);
const SEED = new Uint8Array(32).fill(0x5e);
const publisher = generateSignerKey('alice.example', SEED);
const digest = createHash('sha256').update('the file').digest();
const file = { sha256: digest, size: 42 };

function subject(project: string, filename: string) {
  return { project, version: '1.0', filename, sha256: digest, size: 42 };
}

describe('client name identity', async () => {
  const { log } = await openMemoryLog();
  // Logged in-process, as an index may spell them: the artifact unsigned, a signature entry spelled otherwise.
  const artifact: Submission = { kind: 'artifact', subject: subject('Demo_Pkg', 'Demo_Pkg-1.0.tar.gz') };
  const sigSub: Submission = { kind: 'signature', subject: subject('demo.pkg', 'Demo_Pkg-1.0.tar.gz') };
  const signedArtifact: Submission = { kind: 'artifact', subject: { ...subject('Demo_Pkg', 'Demo_Pkg-1.0.tar.gz'), size: 43 } };
  const [a, s, sa] = await log.append([
    artifact,
    { ...sigSub, sig: signStatement(SEED, sigSub) },
    { ...signedArtifact, sig: signStatement(SEED, signedArtifact) },
  ]);

  it('a publisher pin for another spelling of the project applies (PEP 503 key)', () => {
    for (const spelling of ['demo-pkg', 'DEMO.PKG', 'Demo_Pkg', 'demo__pkg']) {
      const v = verifyArtifact({ sha256: digest, size: 43 }, { receipt: sa.proof }, { policy, requirements: { publisherKeys: [parsePublisherPin(`${spelling}=${publisher.verifierKey}`)] }, now: 0 });
      assert.equal(v.publisher?.kind, 'artifact', spelling);
    }
    assert.throws(
      () => verifyArtifact({ sha256: digest, size: 43 }, { receipt: sa.proof }, { policy, requirements: { publisherKeys: [parsePublisherPin(`demopkg=${publisher.verifierKey}`)] }, now: 0 }),
      (e) => isStamplogError(e, 'POLICY_UNSATISFIED') && /no key is pinned for the project "Demo_Pkg"/.test(e.message),
    );
  });

  it('a signature entry about another spelling of the same project and file counts for the artifact', () => {
    const v = verifyArtifact(file, { receipt: a.proof, signatures: [{ name: 'sig', receipt: s.proof }] }, { policy, requirements: { publisherKeys: [parsePublisherPin(`demo-pkg=${publisher.verifierKey}`)] }, now: 0 });
    assert.deepEqual(v.publisher, { label: publisher.verifierKey, index: s.index, kind: 'signature' });
  });

  it('sameSubject: project by PEP 503 key, filename by NFC, version, digest and size exactly', () => {
    const base = subject('Zope.Interface', 'caf\u00e9-1.0.tar.gz');
    assert.ok(sameSubject(base, subject('zope_interface', 'cafe\u0301-1.0.tar.gz')));
    assert.ok(!sameSubject(base, subject('zopeinterface', 'caf\u00e9-1.0.tar.gz')));
    assert.ok(!sameSubject(base, subject('zope-interface', 'CAF\u00c9-1.0.tar.gz')));
    assert.ok(!sameSubject(base, { ...base, version: '1.0.0' }));
    assert.ok(!sameSubject(base, { ...base, size: 1 }));
  });

  it('an entry logged before the intake rules (../../etc/passwd) stays verifiable and provable from its JSON', async () => {
    const old: Submission = { kind: 'artifact', subject: subject('evil\u202Eproject', '../../etc/passwd') };
    const [r] = await log.append([old]);
    const v = verifyReceipt(r.proof, policy);
    assert.equal(v.entry.subject.filename, '../../etc/passwd');
    // What `stamplog check` does with a search hit: re-encode the JSON the log shows into the leaf.
    const entry = JSON.parse(JSON.stringify(r.entry)) as typeof r.entry;
    const { leafHash } = leafOfHit({ index: r.index, leafHash: r.leafHash, entry });
    assert.equal(toHex(leafHash), r.leafHash);
  });
});
