// End to end, real processes on loopback: a `stamplog serve` configured with two witnesses — two
// `stamplog-monitor run` daemons — and a 2-of-2 quorum publishes only checkpoints both cosigned, and its
// receipts (HTTP and `stamplog append`/`verify`) verify under a policy requiring that quorum. With one
// witness down, nothing new is published and appends answer 503; once it is back, a retry returns the
// same entry.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { verifyReceipt } from '../../src/verify/receipt.ts';
import { loadOrCreateLogKeys } from '../../src/log/keyfiles.ts';
import { parsePolicy, verifyCheckpointWithPolicy } from '../../src/note/index.ts';
import type { Policy } from '../../src/note/index.ts';
import { appendOne, getText, makeSubmission, removeDir, startServer, tempDir } from '../../test/helpers/server.ts';
import type { RunningServer } from '../../test/helpers/server.ts';
import { show, stamplog } from '../../test/client-cli/helpers.ts';
import { freePort, startMonitor } from './kit.ts';
import type { RunningMonitor } from './kit.ts';

const ORIGIN = 'quorum.example/log';
const ORIGIN2 = 'besteffort.example/log';

describe('log server with a 2-of-2 witness quorum (two monitor witnesses)', () => {
  const dir = tempDir('stamplog-quorum-');
  let server: RunningServer;
  let monitors: RunningMonitor[] = [];
  let ports: number[] = [];
  let policy: Policy;
  let policyFile: string;
  let witnessLines: string;
  let logKey2: string;
  const monitorArgs = (i: number) => [
    '--policy', join(dir, 'monitor-policy.txt'),
    '--state', join(dir, `m${i}`),
    '--listen', `127.0.0.1:${ports[i]}`,
    '--witness-name', `w${i}.example/witness`,
  ];

  before(async () => {
    const keys = await loadOrCreateLogKeys(join(dir, 'data'), ORIGIN);
    logKey2 = (await loadOrCreateLogKeys(join(dir, 'data2'), ORIGIN2)).logVerifierKey;
    // The monitors only witness here (no URL to follow): they need the log keys, not their addresses.
    writeFileSync(join(dir, 'monitor-policy.txt'), `log ${keys.logVerifierKey}\nlog ${logKey2}\nquorum none\n`);
    ports = [await freePort(), await freePort()];
    monitors = [await startMonitor(monitorArgs(0)), await startMonitor(monitorArgs(1))];
    // The key line follows the listening line; it may arrive in a later chunk.
    for (let i = 0; i < 200 && !monitors.every((m) => /witness key \S+\n/.test(m.output())); i++) await new Promise((r) => setTimeout(r, 25));
    const witnessKeys = monitors.map((m) => /witness key (\S+)/.exec(m.output())?.[1] as string);
    witnessLines = monitors.map((m, i) => `witness w${i} ${witnessKeys[i]} ${m.url}\n`).join('');
    const text = `log ${keys.logVerifierKey}\n${witnessLines}group both all w0 w1\nquorum both\n`;
    policyFile = join(dir, 'policy.txt');
    writeFileSync(policyFile, text);
    policy = parsePolicy(text);
    server = await startServer({
      dataDir: join(dir, 'data'),
      origin: ORIGIN,
      extraArgs: ['--witness-policy', policyFile, '--witness-interval-ms', '100', '--witness-wait-ms', '2000'],
    });
  });

  after(async () => {
    await server?.kill();
    for (const m of monitors) await m.kill();
    removeDir(dir);
  });

  it('publishes a cosigned checkpoint and answers appends with receipts that satisfy the quorum', async () => {
    const rs = await Promise.all(Array.from({ length: 40 }, (_, i) => appendOne(server, makeSubmission(i, { salt: 'q' }))));
    for (const r of rs) {
      assert.equal(r.status, 201, r.text);
      const v = verifyReceipt(r.body.proof, policy);
      assert.deepEqual(v.witnesses.map((w) => w.name).sort(), ['w0', 'w1']);
    }
    const cp = await getText(server, '/checkpoint');
    assert.equal(cp.status, 200);
    const verified = verifyCheckpointWithPolicy(policy, cp.text);
    assert.ok(verified.checkpoint.size >= 40);
    assert.match(server.output(), /quorum both \(only cosigned checkpoints are published\)/);
  });

  it('stamplog append and verify (offline) hold under the quorum policy', async () => {
    const home = join(dir, 'home');
    const file = join(dir, 'demo-1.0.tar.gz');
    writeFileSync(file, 'a witnessed artifact\n');
    const common = ['--log', server.url, '--policy', policyFile];
    const a = await stamplog(['append', file, '--project', 'demo', '--version', '1.0', '--token', server.token, ...common], { home });
    assert.equal(a.code, 0, show(a));
    const v = await stamplog(['verify', file, '--policy', policyFile], { home });
    assert.equal(v.code, 0, show(v));
  });

  it('with one witness down nothing new is published (503 Retry-After); once it is back a retry returns the same entry', async () => {
    const before = verifyCheckpointWithPolicy(policy, (await getText(server, '/checkpoint')).text).checkpoint.size;
    await monitors[1].kill();
    const sub = makeSubmission(1000, { salt: 'q' });
    const r = await appendOne(server, sub);
    assert.equal(r.status, 503, r.text);
    assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
    assert.ok(Number(r.headers.get('retry-after')) >= 1);
    const cp = await getText(server, '/checkpoint');
    assert.equal(verifyCheckpointWithPolicy(policy, cp.text).checkpoint.size, before, 'the published checkpoint did not move');
    const entry = await getText(server, `/api/v1/entries/${before}`);
    assert.equal(entry.status, 404, 'the logged entry is not readable before it is published');

    monitors[1] = await startMonitor(monitorArgs(1));
    const again = await appendOne(server, sub);
    assert.equal(again.status, 200, again.text);
    assert.equal(again.body.duplicate, true);
    assert.equal(again.body.index, before);
    verifyReceipt(again.body.proof, policy);
  });

  it('with quorum none, receipts come at once without cosignatures, and `stamplog refresh` turns one into a witnessed receipt', async () => {
    const bestEffort = join(dir, 'best-effort.txt');
    writeFileSync(bestEffort, `${witnessLines}quorum none\n`);
    const strict = join(dir, 'strict2.txt');
    writeFileSync(strict, `log ${logKey2}\n${witnessLines}group both all w0 w1\nquorum both\n`);
    const server2 = await startServer({ dataDir: join(dir, 'data2'), origin: ORIGIN2, extraArgs: ['--witness-policy', bestEffort, '--witness-interval-ms', '100'] });
    try {
      assert.match(server2.output(), /quorum none \(best effort\)/);
      const home = join(dir, 'home2');
      const file = join(dir, 'late-1.0.tar.gz');
      writeFileSync(file, 'refreshed later\n');
      const a = await stamplog(['append', file, '--project', 'late', '--version', '1.0', '--token', server2.token, '--log', server2.url], { home });
      assert.equal(a.code, 0, show(a));
      const before = await stamplog(['verify', file, '--policy', strict], { home });
      assert.equal(before.code, 13, show(before));
      assert.match(before.stderr, /quorum/);
      let r = await stamplog(['refresh', file, '--log', server2.url, '--policy', strict], { home });
      // The next witnessing round (every 100 ms) cosigns the tree that holds the entry.
      for (let i = 0; i < 50 && r.code !== 0; i++) {
        await new Promise((res) => setTimeout(res, 200));
        r = await stamplog(['refresh', file, '--log', server2.url, '--policy', strict], { home });
      }
      assert.equal(r.code, 0, show(r));
      assert.match(r.stderr, /cosigned by w0, w1|cosigned by w1, w0/);
      const after = await stamplog(['verify', file, '--policy', strict], { home });
      assert.equal(after.code, 0, show(after));
    } finally {
      await server2.kill();
    }
  });
});
