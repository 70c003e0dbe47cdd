import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { appendBatch, makeSubmission, removeDir, startServer, tempDir } from '../../test/helpers/server.ts';
import type { RunningServer } from '../../test/helpers/server.ts';
import { verifyEvidence } from '../findings/index.ts';
import type { Evidence, Alert } from '../findings/index.ts';
import { freePort, policyText, startMonitor } from './kit.ts';
import type { RunningMonitor } from './kit.ts';

describe('equivocation: a log forked into two processes sharing one key, three gossiping monitors', () => {
  let forkA: RunningServer;
  let forkB: RunningServer;
  const dirs: string[] = [];
  const monitors: RunningMonitor[] = [];
  let hook: Server;
  const hooked: Alert[] = [];

  before(async () => {
    forkA = await startServer();
    const dirB = tempDir();
    dirs.push(dirB);
    for (const f of ['log.key', 'timestamp.key']) copyFileSync(join(forkA.dataDir, f), join(dirB, f));
    forkB = await startServer({ dataDir: dirB });
    assert.equal(forkB.logKey, forkA.logKey, 'both forks sign with one key');
    // Different entries on each side: 4 on A, 6 on B (so the sizes differ too).
    assert.equal((await appendBatch(forkA, [0, 1, 2, 3].map((i) => makeSubmission(i, { salt: 'a' })))).status, 200);
    assert.equal((await appendBatch(forkB, [0, 1, 2, 3, 4, 5].map((i) => makeSubmission(i, { salt: 'b' })))).status, 200);
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        hooked.push(JSON.parse(body) as Alert);
        res.end('ok');
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', () => r()));
  });

  after(async () => {
    for (const m of monitors) await m.kill();
    hook.close();
    await forkA.kill();
    await forkB.kill();
    for (const d of dirs) removeDir(d);
  });

  it('every monitor holds evidence within 10 s, and the evidence verifies on its own', async () => {
    const ports = [await freePort(), await freePort(), await freePort()];
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    // m1 follows fork A, m2 follows fork B, m3 follows nothing (it is only told, by gossip). Ring of peers.
    const views = [forkA.url, forkB.url, undefined];
    const hookUrl = `http://127.0.0.1:${(hook.address() as { port: number }).port}/alerts`;
    const started = Date.now();
    for (let i = 0; i < 3; i++) {
      const dir = tempDir('stamplog-monitor-');
      dirs.push(dir);
      const policy = join(dir, 'policy');
      writeFileSync(policy, policyText([{ logKey: forkA.logKey, ...(views[i] === undefined ? {} : { url: views[i] }) }]));
      const args = ['--policy', policy, '--state', join(dir, 'state'), '--listen', `127.0.0.1:${ports[i]}`, '--peer', urls[(i + 1) % 3], '--interval-ms', '200', '--gossip-interval-ms', '250'];
      if (i === 2) args.push('--webhook', hookUrl);
      monitors.push(await startMonitor(args));
    }
    const evidence: Evidence[][] = [[], [], []];
    const deadline = started + 10_000;
    while (evidence.some((e) => e.length === 0)) {
      assert.ok(Date.now() < deadline, `not every monitor holds evidence after 10 s:\n${monitors.map((m) => m.output()).join('\n---\n')}`);
      await new Promise((r) => setTimeout(r, 100));
      for (let i = 0; i < 3; i++) {
        if (evidence[i].length > 0) continue;
        const res = await fetch(`${monitors[i].url}/evidence`);
        evidence[i] = ((await res.json()) as { evidence: Evidence[] }).evidence;
      }
    }
    // The evidence stands on its own: written to a file, read back, verified with nothing but the log key.
    for (let i = 0; i < 3; i++) {
      const file = join(dirs[0], `evidence-${i}.json`);
      writeFileSync(file, JSON.stringify(evidence[i][0]));
      const v = verifyEvidence(JSON.parse(readFileSync(file, 'utf8')), forkA.logKey);
      assert.equal(v.kind, 'not-extension');
      assert.deepEqual([v.older.size, v.newer.size], [4, 6]);
      assert.match(monitors[i].output(), /ALERT \{"type":"equivocation"/);
    }
    // The webhook of m3 got the alert too.
    const deadlineHook = Date.now() + 5_000;
    while (!hooked.some((a) => a.type === 'equivocation')) {
      assert.ok(Date.now() < deadlineHook, 'webhook got no equivocation alert');
      await new Promise((r) => setTimeout(r, 50));
    }
  });
});
