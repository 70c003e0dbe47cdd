import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { Level } from 'level';
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendBatch, makeSubmission, removeDir, startServer, tempDir } from '../../test/helpers/server.ts';
import type { RunningServer } from '../../test/helpers/server.ts';
import { Follower } from '../follow/index.ts';
import { key } from '../state/index.ts';
import { verifyEvidence } from '../findings/index.ts';
import { encodeLeaf, makeSubmissionValueForTest } from './leafkit.ts';
import { startFakeLog } from './fakelog.ts';
import { generateSignerKey } from '../../src/note/index.ts';
import { logsOf, openKit, policyText } from './kit.ts';

async function appendRange(srv: RunningServer, from: number, to: number, salt = ''): Promise<void> {
  const subs = [];
  for (let i = from; i < to; i++) subs.push(makeSubmission(i, { salt }));
  for (let at = 0; at < subs.length; at += 1000) {
    const r = await appendBatch(srv, subs.slice(at, at + 1000));
    assert.equal(r.status, 200, r.text);
  }
}

describe('Follower', () => {
  let srv: RunningServer;
  before(async () => {
    srv = await startServer();
  });
  after(async () => {
    await srv.kill();
  });

  it('audits a real log from index 0, resumes, and detects a substitution with both indexes', async () => {
    await appendRange(srv, 0, 700);
    // The log's own timestamp key as a policy witness: its signed times count as witnessed tree heads.
    const logs = logsOf(policyText([{ logKey: srv.logKey, url: srv.url }], `witness ts ${srv.timestampKey}\n`));
    const dir = tempDir('stamplog-monitor-');
    let kit = await openKit(logs, dir);
    try {
      let f = new Follower(logs[0], { store: kit.store, alerter: kit.alerter, evidence: kit.evidence });
      const r1 = await f.pass();
      assert.equal(r1.cursor, 700);
      assert.equal(r1.audited, 700);
      assert.deepEqual(kit.alerts, []);
      const head = await kit.store.getRecord(key('log', logs[0].origin, 'head'), (v) => v as { time: { heads: { size: number; by: string }[] } });
      assert.deepEqual(head?.time.heads.map((h) => [h.size, h.by]).sort(), [
        [700, 'this monitor'],
        [700, 'ts'],
      ]);
      // Nothing new: an idle pass audits nothing.
      assert.equal((await f.pass()).audited, 0);
      await kit.close(false);

      // More entries, one of them a second digest for the filename of entry 5; a fresh process resumes.
      await appendRange(srv, 700, 1030);
      const evil = makeSubmission(5, { salt: 'evil' });
      const r = await appendBatch(srv, [evil]);
      assert.equal(r.status, 200, r.text);
      const evilIndex = r.body.receipts[0].index;
      kit = await openKit(logs, dir);
      f = new Follower(logs[0], { store: kit.store, alerter: kit.alerter, evidence: kit.evidence });
      const r2 = await f.pass();
      assert.equal(r2.audited, 331);
      assert.equal(r2.cursor, 1031);
      assert.deepEqual(kit.alerts.map((a) => [a.type, a.indexes]), [['substitution', [5, evilIndex]]]);
      assert.deepEqual((await f.storedAlerts()).map((a) => a.type), ['substitution']);
    } finally {
      await kit.close();
    }
  });

  it('reports a corrupted state as LOCAL corruption, not as a finding about the log', async () => {
    const logs = logsOf(policyText([{ logKey: srv.logKey, url: srv.url }]));
    const dir = tempDir('stamplog-monitor-');
    try {
      let kit = await openKit(logs, dir);
      await new Follower(logs[0], { store: kit.store, alerter: kit.alerter, evidence: kit.evidence }).pass();
      await kit.close(false);
      // Flip one character of the head record, as a torn or bit-rotted write would.
      const db = new Level<string, string>(join(dir, 'db'));
      const k = key('log', logs[0].origin, 'head');
      const v = await db.get(k);
      assert.ok(v !== undefined);
      await db.put(k, v.replace('"cursor":', '"cursor":1'));
      await db.close();
      kit = await openKit(logs, dir);
      try {
        await assert.rejects(new Follower(logs[0], { store: kit.store, alerter: kit.alerter, evidence: kit.evidence }).pass(), (e: Error & { code?: string }) => {
          assert.equal(e.code, 'CORRUPTION');
          assert.match(e.message, /local monitor state/);
          return true;
        });
        assert.deepEqual(kit.alerts, []);
      } finally {
        await kit.close(false);
      }
    } finally {
      removeDir(dir);
    }
  });

  it('a fork served later: a rollback alert while smaller (undecidable, no signed time), evidence once larger', async () => {
    const a = await startServer();
    const dirB = tempDir();
    for (const f of ['log.key', 'timestamp.key']) copyFileSync(join(a.dataDir, f), join(dirB, f));
    const b = await startServer({ dataDir: dirB });
    const kit = await openKit(logsOf(policyText([{ logKey: a.logKey, url: a.url }])));
    try {
      await appendRange(a, 0, 6, 'a');
      await appendRange(b, 0, 4, 'b');
      const [logA] = logsOf(policyText([{ logKey: a.logKey, url: a.url }]));
      const deps = { store: kit.store, alerter: kit.alerter, evidence: kit.evidence };
      assert.equal((await new Follower(logA, deps).pass()).cursor, 6);
      // The same log (origin, key) now answers from fork B.
      const viaB = new Follower({ ...logA, url: b.url }, deps);
      const stale = await viaB.pass();
      assert.equal(stale.evidence, undefined);
      assert.deepEqual(kit.alerts.map((x) => x.type), ['rollback']);
      await appendRange(b, 4, 9, 'b');
      const r = await viaB.pass();
      assert.ok(r.evidence !== undefined);
      assert.equal(r.cursor, 6, 'nothing of the fork is audited');
      assert.deepEqual(kit.alerts.map((x) => x.type), ['rollback', 'equivocation']);
      const v = verifyEvidence(r.evidence, a.logKey);
      assert.deepEqual([v.older.size, v.newer.size], [6, 9]);
      assert.equal((await kit.evidence.list()).length, 1);
    } finally {
      await kit.close();
      await a.kill();
      await b.kill();
      removeDir(dirB);
    }
  });

  it('a partial bundle already audited, re-fetched with earlier leaves changed: bundle-altered, naming them', async () => {
    const k = generateSignerKey('fake.example/log', new Uint8Array(32).fill(7));
    const fake = await startFakeLog('fake.example/log', k.signerKey);
    const [log] = logsOf(policyText([{ logKey: k.verifierKey, url: fake.url }]));
    const kit = await openKit([log]);
    try {
      const leaf = (i: number) => encodeLeaf(makeSubmissionValueForTest(i, 1_717_000_000_000 + i));
      fake.append(Array.from({ length: 300 }, (_, i) => leaf(i)));
      // The monitor's clock at the leaves' times, so that its own observations find no backdated leaf.
      const f = new Follower(log, { store: kit.store, alerter: kit.alerter, evidence: kit.evidence, clock: () => 1_717_000_000_000 });
      assert.equal((await f.pass()).cursor, 300);
      // The tree grows; bundle 1, now full, serves another leaf in place of leaf 266 (audited as part of 1.p/44).
      fake.append(Array.from({ length: 300 }, (_, i) => leaf(300 + i)));
      fake.tamper = (n, leaves) => (n === 1 ? leaves.map((l, i) => (i === 10 ? leaf(9999) : l)) : leaves);
      const r = await f.pass();
      assert.equal(r.cursor, 600, 'the new leaves are still audited against the signed tree');
      assert.deepEqual(kit.alerts.map((a) => a.type), ['bundle-altered']);
      const { indexes } = kit.alerts[0];
      assert.ok(indexes.includes(266) && indexes.every((i) => i >= 256 && i < 300), JSON.stringify(indexes));
      assert.deepEqual((await f.storedAlerts()).map((a) => a.type), ['bundle-altered']);
      // The same bundle re-fetched unchanged in a later pass says nothing.
      fake.tamper = undefined;
      fake.append([leaf(600)]);
      assert.equal((await f.pass()).cursor, 601);
      assert.equal(kit.alerts.length, 1);
    } finally {
      await kit.close();
      await fake.close();
    }
  });

  it('entry bundles that do not hash to the signed tree: bundle-mismatch, nothing of the chunk kept', async () => {
    const k = generateSignerKey('fake.example/log', new Uint8Array(32).fill(6));
    const fake = await startFakeLog('fake.example/log', k.signerKey);
    const [log] = logsOf(policyText([{ logKey: k.verifierKey, url: fake.url }]));
    const kit = await openKit([log]);
    try {
      fake.append(Array.from({ length: 600 }, (_, i) => encodeLeaf(makeSubmissionValueForTest(i, 1_717_000_000_000 + i))));
      // Bundle 1 serves another (valid, canonical) entry in place of leaf 300.
      fake.tamper = (n, leaves) => (n === 1 ? leaves.map((l, i) => (i === 44 ? encodeLeaf(makeSubmissionValueForTest(9999, 1_717_000_000_000)) : l)) : leaves);
      const f = new Follower(log, { store: kit.store, alerter: kit.alerter, evidence: kit.evidence });
      const r = await f.pass();
      assert.equal(r.cursor, 0);
      assert.deepEqual(kit.alerts.map((a) => a.type), ['bundle-mismatch']);
      // The log stops lying: the audit goes through, and finds nothing.
      fake.tamper = undefined;
      assert.equal((await f.pass()).cursor, 600);
      assert.deepEqual(kit.alerts.map((a) => a.type), ['bundle-mismatch']);
    } finally {
      await kit.close();
      await fake.close();
    }
  });
});
