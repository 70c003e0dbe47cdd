/**
 * Generates test/vectors/leaves.json, the golden leaf vectors of DESIGN §3. Run it ONCE, from the
 * repository root, when the vectors are first made or deliberately extended:
 *
 *   npx tsx test/vectors/make-leaves.ts
 *
 * Each vector is {desc, input: {submission (the DESIGN §4 wire JSON), time (ms)}, cborHex, leafHashHex}
 * with leafHashHex = SHA-256(0x00 || cbor) (RFC 6962 §2.1 leaf hash). The file is then frozen: the test
 * (test/leaf/vectors.test.ts) recomputes every vector with src/leaf and also checks the bytes against an
 * independent reading (cbor-x with default options, hand-decoded heads), so a change in the encoder shows
 * up as a failing test rather than silently new vectors. Signatures are deterministic (RFC 8032), made
 * with the fixed test seeds below; do not use them for anything else.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { encodeLeaf, makeEntry, parseSubmission, signStatement } from '../../src/leaf/index.ts';
import type { SubmissionJSON } from '../../src/leaf/index.ts';

const seed = (label: string) => new Uint8Array(createHash('sha256').update(label).digest());
const PUBLISHER = seed('stamplog test publisher 1');
const VETTER = seed('stamplog test vetter 1');

const digest = (label: string) => createHash('sha256').update(label).digest('hex');

const requests = { project: 'requests', version: '2.32.3', filename: 'requests-2.32.3-py3-none-any.whl', sha256: digest('requests-2.32.3-py3-none-any.whl'), size: 64928 };

/** The wire JSON of `sub` with a signature by `signer` over its statement. */
function withSig(sub: SubmissionJSON, signer: Uint8Array): SubmissionJSON {
  const subject = { ...sub.subject, sha256: new Uint8Array(Buffer.from(sub.subject.sha256, 'hex')) };
  const sig = signStatement(signer, { kind: sub.kind, subject, verdict: sub.verdict });
  return { ...sub, sig: { alg: 'ed25519', key: Buffer.from(sig.key).toString('base64'), sig: Buffer.from(sig.sig).toString('base64') } };
}

const T = 1_717_000_000_000; // 2024-05-29T16:26:40Z, > 2^32

const inputs: { desc: string; submission: SubmissionJSON; time: number }[] = [
  { desc: 'artifact, no optional fields', submission: { kind: 'artifact', subject: requests }, time: T },
  { desc: 'artifact with claims.uploadedAt (whole seconds)', submission: { kind: 'artifact', subject: requests, claims: { uploadedAt: '2024-05-29T15:37:47Z' } }, time: T + 1 },
  {
    desc: 'artifact with uploadedAt carrying microseconds (kept to the millisecond)',
    submission: { kind: 'artifact', subject: requests, claims: { uploadedAt: '2024-05-29T15:37:47.123456Z' } },
    time: T + 2,
  },
  { desc: 'artifact with backfill only', submission: { kind: 'artifact', subject: requests, claims: { backfill: true } }, time: T + 3 },
  {
    desc: 'artifact with uploadedAt and backfill (history ingested after the fact)',
    submission: { kind: 'artifact', subject: { ...requests, version: '0.2.0', filename: 'requests-0.2.0.tar.gz', sha256: digest('requests-0.2.0.tar.gz'), size: 13420 }, claims: { uploadedAt: '2011-02-14T03:00:00Z', backfill: true } },
    time: T + 4,
  },
  { desc: 'artifact with claims {backfill: false}: says nothing, so no claims in the leaf', submission: { kind: 'artifact', subject: requests, claims: { backfill: false } }, time: T + 5 },
  { desc: 'artifact with a publisher signature', submission: withSig({ kind: 'artifact', subject: requests }, PUBLISHER), time: T + 6 },
  {
    desc: 'signature entry with every optional field',
    submission: withSig({ kind: 'signature', subject: requests, claims: { uploadedAt: '2024-05-29T15:37:47.5Z', backfill: true } }, PUBLISHER),
    time: T + 7,
  },
  { desc: 'vetting entry, verdict approved', submission: withSig({ kind: 'vetting', subject: requests, verdict: 'approved' }, VETTER), time: T + 8 },
  {
    desc: 'vetting entry, verdict rejected, with claims',
    submission: withSig({ kind: 'vetting', subject: requests, claims: { uploadedAt: '2024-05-29T15:37:47Z' }, verdict: 'rejected' }, VETTER),
    time: T + 9,
  },
  {
    desc: 'unicode text (2-, 3- and 4-byte UTF-8)',
    submission: { kind: 'artifact', subject: { project: 'naïve-φ', version: '1.0.0-β', filename: 'naïve_φ-1.0.0β-水-🐍.tar.gz', sha256: digest('unicode'), size: 4096 } },
    time: T + 10,
  },
  { desc: 'size 0', submission: { kind: 'artifact', subject: { ...requests, size: 0 } }, time: T + 11 },
  { desc: 'size 2^32 (first 8-byte integer head)', submission: { kind: 'artifact', subject: { ...requests, size: 2 ** 32 } }, time: T + 12 },
  { desc: 'size 2^32 − 1 (largest 4-byte integer head)', submission: { kind: 'artifact', subject: { ...requests, size: 2 ** 32 - 1 } }, time: T + 13 },
  { desc: 'size 2^53 − 1 (largest integer)', submission: { kind: 'artifact', subject: { ...requests, size: Number.MAX_SAFE_INTEGER } }, time: T + 14 },
  { desc: 'size 23 and 24 (last 0-byte and first 1-byte integer heads)', submission: { kind: 'artifact', subject: { ...requests, size: 23 } }, time: 24 },
  { desc: 'time 0 and uploadedAt at the epoch', submission: { kind: 'artifact', subject: requests, claims: { uploadedAt: '1970-01-01T00:00:00Z' } }, time: 0 },
  { desc: 'time 2^32 exactly', submission: { kind: 'artifact', subject: requests }, time: 2 ** 32 },
  {
    desc: 'time 2^53 − 1 and uploadedAt at its maximum (9999-12-31T23:59:59.999Z)',
    submission: { kind: 'artifact', subject: requests, claims: { uploadedAt: '9999-12-31T23:59:59.999Z' } },
    time: Number.MAX_SAFE_INTEGER,
  },
  {
    desc: 'text lengths 23, 24 and 255 bytes (string heads 77, 78 18, 78 ff)',
    submission: { kind: 'artifact', subject: { project: 'p'.repeat(23), version: 'v'.repeat(24), filename: 'f'.repeat(255), sha256: digest('lengths'), size: 256 } },
    time: T + 15,
  },
  {
    desc: 'text at the length limits (project 200 bytes, version 128 bytes)',
    submission: { kind: 'artifact', subject: { project: 'é'.repeat(100), version: '9'.repeat(128), filename: 'x.whl', sha256: digest('limits'), size: 65536 } },
    time: T + 16,
  },
];

const vectors = inputs.map(({ desc, submission, time }) => {
  const cbor = encodeLeaf(makeEntry(parseSubmission(submission), time));
  const leafHash = createHash('sha256').update(Uint8Array.of(0)).update(cbor).digest('hex');
  return { desc, input: { submission, time }, cborHex: Buffer.from(cbor).toString('hex'), leafHashHex: leafHash };
});

const out = new URL('./leaves.json', import.meta.url);
writeFileSync(out, JSON.stringify(vectors, null, 2) + '\n');
console.log(`wrote ${vectors.length} vectors to ${out.pathname}`);
