// A log that goes back (restored from an old backup) or will not show a tree it signed: rollback evidence,
// equivocation evidence once the restored log forks, and alerts that hold the signed checkpoints.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { MemoryTree } from '../../src/merkle/index.ts';
import { removeDir, tempDir } from '../../test/helpers/server.ts';
import {
  cosignatureSigner,
  cosignatureVerifier,
  ed25519NoteSigner,
  generateCosignerKey,
  generateSignerKey,
  openCheckpoint,
  ed25519NoteVerifier,
  parseCheckpoint,
  parseNote,
  signCheckpoint,
} from '../../src/note/index.ts';
import { Follower } from '../follow/index.ts';
import { rollbackEvidence, verifyEvidence } from '../findings/index.ts';
import type { Evidence, SignedCheckpoint } from '../findings/index.ts';
import { startFakeLog } from './fakelog.ts';
import type { FakeLog } from './fakelog.ts';
import { encodeLeaf, makeSubmissionValueForTest } from './leafkit.ts';
import { logsOf, openKit, policyText, runCliAsync } from './kit.ts';
import type { Kit } from './kit.ts';

const ORIGIN = 'fake.example/log';
const T0 = 1_717_000_000_000;
const logKey = generateSignerKey(ORIGIN, new Uint8Array(32).fill(11));
const tsKey = generateCosignerKey(`${ORIGIN}/timestamp`, new Uint8Array(32).fill(12));
const timeVerifiers = [cosignatureVerifier(tsKey.verifierKey)];

/** Leaf i of the log's true history, or of a fork (other entries at the same indexes). */
const leaf = (i: number, fork = false) => encodeLeaf(makeSubmissionValueForTest(fork ? 100_000 + i : i, T0 + i));
const range = (from: number, to: number, fork = false) => Array.from({ length: to - from }, (_, i) => leaf(from + i, fork));

/** A fake log under ORIGIN whose timestamp key signs at `seconds` (the original, or a restored copy). */
function startLog(seconds: number): Promise<FakeLog> {
  return startFakeLog(ORIGIN, logKey.signerKey, { timestamp: { signerKey: tsKey.signerKey, now: () => seconds } });
}

/** Followers of the same log (origin, key) through two servers, one state; the policy trusts the timestamp key or not. */
function followers(kit: Kit, a: FakeLog, b: FakeLog, trustTimes: boolean): { viaA: Follower; viaB: Follower } {
  const [log] = logsOf(policyText([{ logKey: logKey.verifierKey, url: a.url }], trustTimes ? `witness ts ${tsKey.verifierKey}\n` : ''));
  // The monitor's clock at the leaves' times, so that its own observations find no backdated leaf.
  const deps = { store: kit.store, alerter: kit.alerter, evidence: kit.evidence, clock: () => T0 };
  return { viaA: new Follower(log, deps), viaB: new Follower({ ...log, url: b.url }, deps) };
}

async function kitFor(trustTimes: boolean): Promise<Kit> {
  return openKit(logsOf(policyText([{ logKey: logKey.verifierKey }], trustTimes ? `witness ts ${tsKey.verifierKey}\n` : '')));
}

describe('a log restored from an old backup', () => {
  it('serving a smaller tree signed later is rollback evidence; forking at the same or a larger size is equivocation evidence', async () => {
    const a = await startLog(T0 / 1000 + 100);
    const b = await startLog(T0 / 1000 + 200); // the restored copy: its signed times are later
    const kit = await kitFor(true);
    try {
      a.append(range(0, 300));
      b.append(range(0, 200)); // the backup: a prefix of the published tree
      const { viaA, viaB } = followers(kit, a, b, true);
      assert.equal((await viaA.pass()).cursor, 300);

      const r = await viaB.pass();
      assert.equal(r.cursor, 300, 'nothing moves');
      assert.ok(r.evidence !== undefined);
      assert.equal(r.evidence.kind, 'rollback');
      assert.deepEqual(kit.alerts.map((x) => x.type), ['rollback']);
      // The stored record alone, written out and read back, proves it with the log key and the timestamp key.
      const [stored] = await kit.evidence.list();
      const file = join(kit.dir, 'rollback.json');
      writeFileSync(file, JSON.stringify(stored));
      const v = verifyEvidence(JSON.parse(readFileSync(file, 'utf8')), logKey.verifierKey, { timeVerifiers });
      assert.equal(v.kind, 'rollback');
      assert.deepEqual([v.older.size, v.newer.size], [200, 300]);
      assert.deepEqual(v.signedAt, { larger: T0 / 1000 + 100, smaller: T0 / 1000 + 200, by: `${ORIGIN}/timestamp` });
      // With the log key alone it proves nothing (two checkpoints do not say which came first).
      assert.throws(() => verifyEvidence(stored, logKey.verifierKey), (e: Error & { code?: string }) => e.code === 'UNVERIFIED');

      // Still rolled back on the next pass: the finding stands, no second alert.
      const again = await viaB.pass();
      assert.equal(again.evidence?.kind, 'rollback');
      assert.equal(kit.alerts.length, 1);

      // The restored log appends other entries: at the size it had published, then beyond.
      b.append(range(200, 300, true));
      const same = await viaB.pass();
      assert.equal(verifyEvidence(same.evidence, logKey.verifierKey).kind, 'same-size');
      b.append(range(300, 350, true));
      const larger = await viaB.pass();
      const fork = verifyEvidence(larger.evidence, logKey.verifierKey);
      assert.equal(fork.kind, 'not-extension');
      assert.deepEqual([fork.older.size, fork.newer.size], [300, 350]);
      assert.deepEqual(kit.alerts.map((x) => x.type), ['rollback', 'equivocation', 'equivocation']);
      assert.equal((await kit.evidence.list()).length, 3);
      assert.equal(larger.cursor, 300, 'nothing of the fork is audited');
    } finally {
      await kit.close();
      await a.close();
      await b.close();
    }
  });

  it('without a trusted signed time, going back is a rollback alert holding both signed notes, raised once', async () => {
    const a = await startLog(T0 / 1000 + 100);
    const b = await startLog(T0 / 1000 + 200);
    const kit = await kitFor(false);
    try {
      a.append(range(0, 300));
      b.append(range(0, 200));
      const { viaA, viaB } = followers(kit, a, b, false);
      await viaA.pass();
      const r = await viaB.pass();
      assert.equal(r.evidence, undefined);
      assert.ok(r.standing !== undefined);
      assert.deepEqual(kit.alerts.map((x) => x.type), ['rollback']);
      const notes = kit.alerts[0].details.checkpoints as string[];
      assert.deepEqual(
        notes.map((n) => openCheckpoint(n, ed25519NoteVerifier(logKey.verifierKey)).checkpoint.size),
        [300, 200],
      );
      const again = await viaB.pass();
      assert.equal(again.standing, r.standing);
      assert.equal(kit.alerts.length, 1, 'raised once');
      assert.deepEqual((await viaB.storedAlerts()).map((x) => x.type), ['rollback']);
    } finally {
      await kit.close();
      await a.close();
      await b.close();
    }
  });

  it('an old copy of a smaller checkpoint (a cache), signed earlier, while the tree is still served: nothing', async () => {
    let now = T0 / 1000 + 100;
    const a = await startFakeLog(ORIGIN, logKey.signerKey, { timestamp: { signerKey: tsKey.signerKey, now: () => now } });
    const kit = await kitFor(true);
    try {
      a.append(range(0, 200));
      const old = a.note;
      now += 100;
      a.append(range(200, 300));
      const { viaA } = followers(kit, a, a, true);
      assert.equal((await viaA.pass()).cursor, 300);
      a.checkpointNote = old;
      const r = await viaA.pass();
      assert.deepEqual([r.evidence, r.standing, kit.alerts], [undefined, undefined, []]);
    } finally {
      await kit.close();
      await a.close();
    }
  });
});

describe('a signed checkpoint whose tree the log does not serve', () => {
  it('is an unproven-checkpoint alert holding the signed note (not a failed audit), raised once', async () => {
    const a = await startLog(T0 / 1000);
    const kit = await kitFor(false);
    try {
      a.append(range(0, 300));
      const { viaA } = followers(kit, a, a, false);
      await viaA.pass();
      a.append(range(300, 400));
      a.noTiles = true;
      const r = await viaA.pass();
      assert.equal(r.cursor, 300);
      assert.deepEqual(kit.alerts.map((x) => x.type), ['unproven-checkpoint']);
      const note = kit.alerts[0].details.note as string;
      assert.equal(note, a.note);
      assert.equal(openCheckpoint(note, ed25519NoteVerifier(logKey.verifierKey)).checkpoint.size, 400);
      assert.ok((await viaA.pass()).standing !== undefined);
      assert.equal(kit.alerts.length, 1);
      // The log serves its tiles again: the tree is proven and audited, nothing more to say.
      a.noTiles = false;
      const ok = await viaA.pass();
      assert.deepEqual([ok.cursor, ok.standing, kit.alerts.length], [400, undefined, 1]);
    } finally {
      await kit.close();
      await a.close();
    }
  });
});

describe('stamplog-monitor audit', () => {
  it('exits 1 (a finding), not 2, for a signed checkpoint whose tiles the log does not serve, while it stands', async () => {
    const a = await startLog(T0 / 1000);
    const dir = tempDir('stamplog-monitor-cli-');
    try {
      const policy = join(dir, 'policy');
      writeFileSync(policy, policyText([{ logKey: logKey.verifierKey, url: a.url }]));
      const args = ['audit', '--policy', policy, '--state', join(dir, 'state')];
      a.append(range(0, 10));
      const first = await runCliAsync(args);
      assert.equal(first.status, 0, first.stderr);
      a.append(range(10, 20));
      a.noTiles = true;
      const split = await runCliAsync(args);
      assert.equal(split.status, 1, split.stderr);
      assert.match(split.stderr, /ALERT \{"type":"unproven-checkpoint"/);
      const still = await runCliAsync(args);
      assert.equal(still.status, 1, still.stderr);
      assert.doesNotMatch(still.stderr, /ALERT/);
    } finally {
      await a.close();
      removeDir(dir);
    }
  });
});

describe('verifyEvidence (rollback)', () => {
  const t = new MemoryTree();
  for (let i = 0; i < 20; i++) t.append(new TextEncoder().encode(`leaf ${i}`));
  const other = generateCosignerKey('someone/else', new Uint8Array(32).fill(13));
  const sign = (size: number, seconds: number, key = tsKey.signerKey): SignedCheckpoint => {
    const note = signCheckpoint({ origin: ORIGIN, size, rootHash: t.rootAt(size) }, [ed25519NoteSigner(logKey.signerKey), cosignatureSigner(key, () => seconds)]);
    return { note, checkpoint: parseCheckpoint(parseNote(note).text) };
  };
  const verifiers = [...timeVerifiers, cosignatureVerifier(other.verifierKey)];

  it('needs the smaller tree signed strictly later, by a cosigner the verifier trusts', () => {
    const good = rollbackEvidence(sign(20, 1000), sign(12, 1001), { logKey: logKey.verifierKey, timeVerifiers }) as Evidence;
    assert.equal(verifyEvidence(good, logKey.verifierKey, { timeVerifiers }).kind, 'rollback');
    // Either order of the two notes in the file.
    assert.equal(verifyEvidence({ ...good, checkpoints: [good.checkpoints[1], good.checkpoints[0]] }, logKey.verifierKey, { timeVerifiers }).kind, 'rollback');
    assert.equal(rollbackEvidence(sign(20, 1000), sign(12, 1000), { logKey: logKey.verifierKey, timeVerifiers }), undefined, 'same second: no order');
    assert.equal(rollbackEvidence(sign(20, 1000), sign(12, 999), { logKey: logKey.verifierKey, timeVerifiers }), undefined, 'an older copy');
    assert.equal(rollbackEvidence(sign(12, 1000), sign(20, 1001), { logKey: logKey.verifierKey, timeVerifiers }), undefined, 'growing');
    const reject = (e: unknown, code: string) =>
      assert.throws(() => verifyEvidence(e, logKey.verifierKey, { timeVerifiers: verifiers }), (x: Error & { code?: string }) => x.code === code, code);
    const file = (a: SignedCheckpoint, b: SignedCheckpoint, extra: Record<string, unknown> = {}) => ({ type: 'stamplog-evidence/v1', origin: ORIGIN, checkpoints: [a.note, b.note], nodes: [], kind: 'rollback', ...extra });
    reject(file(sign(20, 1000), sign(12, 999)), 'UNVERIFIED');
    reject(file(sign(20, 1000), sign(12, 1000)), 'UNVERIFIED');
    // Times by two different cosigners order nothing.
    reject(file(sign(20, 1000), sign(12, 1001, other.signerKey)), 'UNVERIFIED');
    // An untrusted cosigner's times count for nothing.
    assert.throws(() => verifyEvidence(file(sign(20, 1000, other.signerKey), sign(12, 1001, other.signerKey)), logKey.verifierKey, { timeVerifiers }));
    reject(file(sign(12, 1000), sign(12, 1001)), 'MALFORMED');
    reject(file(sign(20, 1000), sign(12, 1001), { nodes: [{ level: 0, index: 0, hash: '', proof: [] }] }), 'MALFORMED');
    reject(file(sign(20, 1000), sign(12, 1001), { kind: 'other' }), 'MALFORMED');
  });
});
