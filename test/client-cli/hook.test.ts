/**
 * examples/pypi-upload-hook.py, run with the machine's python3 against a REAL server: it logs the files,
 * stores receipts that `stamplog verify` accepts, is idempotent when re-run, retries through 503s, and fails
 * with its documented statuses.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, removeDir, startServer, tempDir, treeSize } from '../helpers/server.ts';
import type { RunningServer } from '../helpers/server.ts';
import { stamplog, show } from './helpers.ts';
import type { CliResult } from './helpers.ts';

const HOOK = join(REPO_ROOT, 'examples/pypi-upload-hook.py');
const python = spawnSync('python3', ['--version']).status === 0;

function hook(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('python3', [HOOK, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STAMPLOG_TOKEN: '', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe('examples/pypi-upload-hook.py against a real server', { skip: python ? false : 'python3 is not installed' }, () => {
  let srv: RunningServer;
  let dir: string;
  let flaky: Server;
  let flakyUrl: string;
  let refusals = 0;
  let tamper = false;

  before(async () => {
    dir = tempDir('stamplog-hook-');
    srv = await startServer();
    // A proxy that answers 503 (Retry-After: 0) to the first two appends, then forwards to the log.
    flaky = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (refusals < 2) {
          refusals++;
          res.writeHead(503, { 'retry-after': '0', 'content-type': 'application/problem+json' }).end('{"detail":"overloaded"}');
          return;
        }
        void fetch(`${srv.url}${req.url ?? '/'}`, {
          method: req.method,
          headers: { 'content-type': 'application/json', authorization: req.headers.authorization ?? '' },
          body: Buffer.concat(chunks),
        }).then(async (r) => {
          let text = await r.text();
          if (tamper) {
            // Swap the receipt's leaf for another one: the inclusion proof no longer leads to the root.
            const j = JSON.parse(text) as { proof: string };
            j.proof = j.proof.replace(/^extra (.*)$/m, (_m, b64: string) => `extra ${Buffer.from(Buffer.from(b64, 'base64').map((x, i) => (i === 3 ? x ^ 1 : x))).toString('base64')}`);
            text = JSON.stringify(j);
          }
          res.writeHead(r.status, { 'content-type': 'application/json' }).end(text);
        });
      });
    });
    await new Promise<void>((ok) => flaky.listen(0, '127.0.0.1', ok));
    flakyUrl = `http://127.0.0.1:${(flaky.address() as AddressInfo).port}`;
  });
  after(async () => {
    await new Promise<void>((ok) => flaky?.close(() => ok()));
    await srv?.kill();
    removeDir(dir);
  });

  it('logs the files and stores receipts that stamplog verify accepts; a re-run is idempotent', async () => {
    const a = join(dir, 'hooked-1.0.tar.gz');
    const b = join(dir, 'hooked-1.0-py3-none-any.whl');
    writeFileSync(a, 'sdist bytes\n');
    writeFileSync(b, 'wheel bytes\n');
    const args = ['--log', srv.url, '--project', 'hooked', '--version', '1.0', '--uploaded-at', '2024-05-29T15:37:47Z', a, b];
    const r = await hook(args, { STAMPLOG_TOKEN: srv.token });
    assert.equal(r.code, 0, show(r));
    assert.match(r.stdout, /^logged .*hooked-1\.0\.tar\.gz at index 0; receipt .*\.tlog-proof$/m);
    assert.ok(existsSync(`${a}.tlog-proof`) && existsSync(`${b}.tlog-proof`));
    const policy = join(dir, 'policy.txt');
    writeFileSync(policy, `log ${srv.logKey}\nquorum none\n`);
    const v = await stamplog(['verify', a, '--policy', policy], { home: join(dir, 'home') });
    assert.equal(v.code, 0, show(v));
    const first = readFileSync(`${a}.tlog-proof`, 'utf8');
    const again = await hook(args, { STAMPLOG_TOKEN: srv.token });
    assert.equal(again.code, 0, show(again));
    assert.match(again.stdout, /^already logged .*hooked-1\.0\.tar\.gz at index 0/m);
    assert.equal(await treeSize(srv), 2, 'no new entries on a re-run');
    assert.match(readFileSync(`${a}.tlog-proof`, 'utf8'), /^c2sp\.org\/tlog-proof@v1\nextra /);
    assert.equal(first.split('\n')[1], readFileSync(`${a}.tlog-proof`, 'utf8').split('\n')[1], 'the same leaf');
  });

  it('retries through 503 answers (safe: the log deduplicates)', async () => {
    const f = join(dir, 'retried-2.0.tar.gz');
    writeFileSync(f, 'retried\n');
    const r = await hook(['--log', flakyUrl, '--project', 'retried', '--version', '2.0', f], { STAMPLOG_TOKEN: srv.token });
    assert.equal(r.code, 0, show(r));
    assert.equal(refusals, 2);
    assert.ok(existsSync(`${f}.tlog-proof`));
  });

  it('refuses a receipt whose leaf does not match its inclusion proof (exit 11) and stores nothing', async () => {
    tamper = true;
    const f = join(dir, 'tampered-3.0.tar.gz');
    writeFileSync(f, 'tampered\n');
    const r = await hook(['--log', flakyUrl, '--project', 'tampered', '--version', '3.0', f], { STAMPLOG_TOKEN: srv.token });
    tamper = false;
    assert.equal(r.code, 11, show(r));
    assert.match(r.stderr, /inclusion proof does not lead to the checkpoint's root/);
    assert.equal(existsSync(`${f}.tlog-proof`), false);
  });

  it('fails with 2 without a token, 3 when refused or unreachable', async () => {
    const f = join(dir, 'x-1.0.tar.gz');
    writeFileSync(f, 'x\n');
    const base = ['--project', 'x', '--version', '1.0', f];
    assert.equal((await hook(['--log', srv.url, ...base])).code, 2);
    const refused = await hook(['--log', srv.url, ...base], { STAMPLOG_TOKEN: 'not-the-token-0123456789' });
    assert.equal(refused.code, 3, show(refused));
    assert.match(refused.stderr, /HTTP 401/);
    const down = await hook(['--log', 'http://127.0.0.1:9', '--retries', '1', ...base], { STAMPLOG_TOKEN: srv.token });
    assert.equal(down.code, 3, show(down));
    assert.match(down.stderr, /cannot reach the log/);
    assert.equal((await hook(['--log', srv.url, '--project', 'x', '--version', '1.0', join(dir, 'missing')], { STAMPLOG_TOKEN: srv.token })).code, 2);
  });
});
