import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Level } from 'level';
import { appendBatch, makeSubmission, removeDir, startServer, tempDir } from '../../test/helpers/server.ts';
import type { RunningServer } from '../../test/helpers/server.ts';
import { key } from '../state/index.ts';
import { policyText, runCli } from './kit.ts';

function alertsIn(stderr: string): { type: string; indexes: number[] }[] {
  return [...stderr.matchAll(/ALERT (\{.*\})$/gm)].map((m) => JSON.parse(m[1]) as { type: string; indexes: number[] });
}

describe('stamplog-monitor audit (one-shot)', () => {
  let srv: RunningServer;
  let dir: string;
  let policy: string;
  before(async () => {
    srv = await startServer();
    dir = tempDir('stamplog-monitor-cli-');
    policy = join(dir, 'policy');
    writeFileSync(policy, policyText([{ logKey: srv.logKey, url: srv.url }]));
    const subs = Array.from({ length: 300 }, (_, i) => makeSubmission(i, { seed: new Uint8Array(32).fill(1) }));
    assert.equal((await appendBatch(srv, subs)).status, 200);
  });
  after(async () => {
    await srv.kill();
    removeDir(dir);
  });

  it('exits 0 on a clean log, audited from index 0', () => {
    const r = runCli(['audit', '--policy', policy]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /audited 300 entries/);
    assert.deepEqual(alertsIn(r.stderr), []);
  });

  it('exits 1 on a substitution (with the indexes), resuming from its state', async () => {
    const state = join(dir, 'state');
    assert.equal(runCli(['audit', '--policy', policy, '--state', state]).status, 0);
    // Entry 7's filename again, another digest, signed by another key.
    const r1 = await appendBatch(srv, [makeSubmission(7, { salt: 'evil', seed: new Uint8Array(32).fill(2) })]);
    assert.equal(r1.status, 200);
    const r = runCli(['audit', '--policy', policy, '--state', state]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr, /audited 1 entries/);
    const alerts = alertsIn(r.stderr);
    assert.deepEqual(alerts.find((a) => a.type === 'substitution')?.indexes, [7, 300]);
    assert.deepEqual(alerts.find((a) => a.type === 'publisher-key-change')?.indexes, [7, 300]);
  });

  it('maintainer watch: exits 1 on an artifact not signed by the maintainer key', () => {
    const watch = join(dir, 'watch');
    writeFileSync(watch, `proj-3 ${Buffer.alloc(32, 9).toString('base64')}\n`);
    const r = runCli(['audit', '--policy', policy, '--watch', watch]);
    assert.equal(r.status, 1, r.stderr);
    const alerts = alertsIn(r.stderr).filter((a) => a.type === 'unauthorized-artifact');
    assert.ok(alerts.length > 0);
    for (const a of alerts) assert.equal(a.indexes[0] % 37, 3);
  });

  it('exits 3 on a corrupted state, reported as LOCAL corruption', async () => {
    const state = join(dir, 'state');
    const db = new Level<string, string>(join(state, 'db'));
    const k = key('log', 'example.test/log', 'head');
    const v = await db.get(k);
    assert.ok(v !== undefined);
    await db.put(k, v.slice(0, v.length - 10));
    await db.close();
    const r = runCli(['audit', '--policy', policy, '--state', state]);
    assert.equal(r.status, 3, r.stderr);
    assert.match(r.stderr, /LOCAL state corruption/);
    assert.deepEqual(alertsIn(r.stderr), []);
  });

  it('exits 2 on usage errors and unreachable logs', () => {
    assert.equal(runCli(['audit']).status, 2);
    const bad = join(dir, 'bad-policy');
    writeFileSync(bad, policyText([{ logKey: srv.logKey, url: 'http://127.0.0.1:1' }]));
    assert.equal(runCli(['audit', '--policy', bad]).status, 2);
  });
});
