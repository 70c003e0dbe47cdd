import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { generateSignerKey } from '../../src/note/index.ts';
import { CHUNK_LEAVES, Follower } from '../follow/index.ts';
import { key } from '../state/index.ts';
import { encodeLeaf, makeSubmissionValueForTest } from './leafkit.ts';
import { startFakeLog } from './fakelog.ts';
import type { FakeLog } from './fakelog.ts';
import { logsOf, openKit, policyText } from './kit.ts';
import { removeDir, tempDir } from '../../test/helpers/server.ts';

const T0 = 1_717_000_000_000;
const N = CHUNK_LEAVES + 3 * 256 + 10;
const SUBST = CHUNK_LEAVES + 100; // re-logs the filename of leaf 10 with another digest
const SAME = CHUNK_LEAVES + 200; // re-logs leaf 20's subject (same digest): no finding
const GARBAGE = CHUNK_LEAVES + 300; // not CBOR
const TRAILING = 500; // canonical leaf plus a trailing byte: non-canonical

function leaf(i: number): Uint8Array {
  if (i === SUBST) return encodeLeaf({ ...makeSubmissionValueForTest(10, T0 + i), subject: { ...makeSubmissionValueForTest(10, 0).subject, sha256: new Uint8Array(32).fill(7) } });
  if (i === SAME) return encodeLeaf(makeSubmissionValueForTest(20, T0 + i));
  if (i === GARBAGE) return Uint8Array.from([0xff, 0x01, 0x02]);
  if (i === TRAILING) return Uint8Array.from([...encodeLeaf(makeSubmissionValueForTest(i, T0 + i)), 0]);
  return encodeLeaf(makeSubmissionValueForTest(i, T0 + i));
}

const EXPECTED = [
  ['malformed-leaf', [TRAILING]],
  ['substitution', [10, SUBST]],
  ['malformed-leaf', [GARBAGE]],
];

describe('Follower over more than one chunk', () => {
  let fake: FakeLog;
  let logKey: string;
  let leaves: Uint8Array[];
  before(async () => {
    const k = generateSignerKey('chunks.example/log', new Uint8Array(32).fill(8));
    logKey = k.verifierKey;
    fake = await startFakeLog('chunks.example/log', k.signerKey);
    leaves = Array.from({ length: N }, (_, i) => leaf(i));
  });
  after(async () => {
    await fake.close();
  });

  it('finds the same things with bundles fetched and hashed in a worker thread or in this one', async () => {
    if (fake.tree.size === 0) fake.append(leaves);
    const [log] = logsOf(policyText([{ logKey, url: fake.url }]));
    for (const bundleWorker of [true, false]) {
      const kit = await openKit([log]);
      try {
        const progress: number[] = [];
        const f = new Follower(log, { store: kit.store, alerter: kit.alerter, evidence: kit.evidence, bundleWorker, onProgress: (p) => progress.push(p.cursor) });
        const r = await f.pass();
        assert.equal(r.cursor, N);
        assert.equal(r.audited, N);
        assert.deepEqual(progress, [CHUNK_LEAVES, N]);
        assert.deepEqual(kit.alerts.map((a) => [a.type, a.indexes]), EXPECTED, `bundleWorker ${bundleWorker}`);
        assert.deepEqual((await f.storedAlerts()).map((a) => [a.type, a.indexes]), EXPECTED);
        // The filename index holds the first sighting.
        const name = makeSubmissionValueForTest(10, 0).subject.filename;
        const rec = await kit.store.get(key('log', log.origin, 'f', name));
        assert.equal(rec, `10 ${Buffer.from(makeSubmissionValueForTest(10, 0).subject.sha256).toString('hex')}`);
      } finally {
        await kit.close();
      }
    }
  });

  it('resumes in a fresh process: the filename filter is rebuilt from the stored records', async () => {
    const k = generateSignerKey('resume.example/log', new Uint8Array(32).fill(9));
    const log2 = await startFakeLog('resume.example/log', k.signerKey);
    const dir = tempDir('stamplog-monitor-');
    try {
      const [log] = logsOf(policyText([{ logKey: k.verifierKey, url: log2.url }]));
      // This monitor sees each tree head when its newest leaf was logged (leaf i at T0 + i): nothing is backdated.
      const clock = () => T0 + log2.tree.size;
      log2.append(leaves.slice(0, CHUNK_LEAVES + 50));
      let kit = await openKit([log], dir);
      let r = await new Follower(log, { store: kit.store, alerter: kit.alerter, evidence: kit.evidence, bundleWorker: true, clock }).pass();
      assert.equal(r.cursor, CHUNK_LEAVES + 50);
      assert.deepEqual(kit.alerts.map((a) => [a.type, a.indexes]), EXPECTED.slice(0, 1));
      await kit.close(false);

      log2.append(leaves.slice(CHUNK_LEAVES + 50));
      kit = await openKit([log], dir);
      try {
        r = await new Follower(log, { store: kit.store, alerter: kit.alerter, evidence: kit.evidence, clock }).pass();
        assert.equal(r.cursor, N);
        assert.equal(r.audited, N - CHUNK_LEAVES - 50);
        assert.deepEqual(kit.alerts.map((a) => [a.type, a.indexes]), EXPECTED.slice(1));
      } finally {
        await kit.close(false);
      }
    } finally {
      await log2.close();
      removeDir(dir);
    }
  });

  it('a lying bundle in the second chunk: bundle-mismatch, the first chunk kept, nothing of the second', async () => {
    const k = generateSignerKey('liar.example/log', new Uint8Array(32).fill(10));
    const liar = await startFakeLog('liar.example/log', k.signerKey);
    try {
      liar.append(leaves);
      liar.tamper = (n, ls) => (n === CHUNK_LEAVES / 256 + 1 ? ls.map((l, i) => (i === 3 ? encodeLeaf(makeSubmissionValueForTest(99_999, T0)) : l)) : ls);
      const [log] = logsOf(policyText([{ logKey: k.verifierKey, url: liar.url }]));
      const kit = await openKit([log]);
      try {
        const r = await new Follower(log, { store: kit.store, alerter: kit.alerter, evidence: kit.evidence, bundleWorker: true }).pass();
        assert.equal(r.cursor, CHUNK_LEAVES);
        assert.deepEqual(kit.alerts.map((a) => a.type), ['malformed-leaf', 'bundle-mismatch']);
        // Nothing of the rejected chunk was stored: no record for a filename first seen there.
        assert.equal(await kit.store.get(key('log', log.origin, 'f', makeSubmissionValueForTest(CHUNK_LEAVES + 5, 0).subject.filename)), undefined);
        assert.notEqual(await kit.store.get(key('log', log.origin, 'f', makeSubmissionValueForTest(CHUNK_LEAVES - 5, 0).subject.filename)), undefined);
      } finally {
        await kit.close();
      }
    } finally {
      await liar.close();
    }
  });
});
