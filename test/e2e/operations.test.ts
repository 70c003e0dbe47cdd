/**
 * Operating the real server (issue 16): start-up failures exit at once with one line naming the cause and create
 * nothing; a data directory restored from an older copy is refused before anything is signed over it; a monitor
 * that audited the published tree holds evidence once a forked tree is shown to it.
 *
 * Start-up failures run the compiled launcher (bin/stamplog.js → dist/, built by `npm ci`), as an operator would.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { REPO_ROOT, appendBatch, removeDir, startServer, tempDir } from '../helpers/server.ts';
import { runCliAsync, startMonitor } from '../../monitor/test/kit.ts';
import { verifyEvidence } from '../../monitor/findings/index.ts';

const LAUNCHER = join(REPO_ROOT, 'bin/stamplog.js');
const COMPILED = join(REPO_ROOT, 'dist/src/cli/main.js');

/** Runs `stamplog serve <args>` through the compiled launcher to its exit (bounded: 20 s, then SIGKILL). */
async function serveUntilExit(args: string[]): Promise<{ code: number | null; output: string; ms: number }> {
  const started = performance.now();
  const child = spawn(process.execPath, [LAUNCHER, 'serve', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, STAMPLOG_TOKENS: '' } });
  let output = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (output += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (output += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const code = await new Promise<number | null>((r) => child.once('close', (c) => r(c)));
  clearTimeout(timer);
  return { code, output, ms: performance.now() - started };
}

/** The one fatal event of a failed start, parsed. */
function fatalEvent(output: string): { code: string; msg: string } {
  const lines = output.split('\n').filter((l) => l.includes('"level":"fatal"'));
  assert.equal(lines.length, 1, `one fatal line:\n${output}`);
  return JSON.parse(lines[0]) as { code: string; msg: string };
}

/** Every path under `dir` with its size and mtime, to show that a failed start changed nothing. */
function snapshot(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else out.push(`${p} ${st.size} ${st.mtimeMs}`);
    }
  };
  walk(dir);
  return out;
}

describe('start-up failures: non-zero exit within 2 s, one line naming the cause, nothing created', { skip: existsSync(COMPILED) ? false : 'dist/ not built (npm run build)' }, () => {
  const root = tempDir('stamplog-ops-');
  after(() => removeDir(root));

  it('port in use', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', () => r()));
    const port = (blocker.address() as { port: number }).port;
    try {
      const data = join(root, 'port-in-use');
      const r = await serveUntilExit(['--data', data, '--listen', `127.0.0.1:${port}`, '--token', 'a:0123456789abcdef0123']);
      assert.notEqual(r.code, 0, r.output);
      assert.ok(r.ms < 2_000, `exited after ${Math.round(r.ms)} ms`);
      assert.match(fatalEvent(r.output).msg, new RegExp(`127\\.0\\.0\\.1:${port}.*already in use`));
      assert.equal(existsSync(data), false, 'no data directory created');
      assert.equal(existsSync(`${data}.checkpoint-lock`), false, 'no lock created');
    } finally {
      await new Promise<void>((r) => blocker.close(() => r()));
    }
  });

  it('a witness policy that does not parse', async () => {
    const data = join(root, 'bad-policy');
    const policy = join(root, 'bad-policy.txt');
    writeFileSync(policy, 'witness w1 not-a-key http://127.0.0.1:1\nquorum w1\n');
    const r = await serveUntilExit(['--data', data, '--listen', '127.0.0.1:0', '--witness-policy', policy]);
    assert.notEqual(r.code, 0, r.output);
    assert.ok(r.ms < 2_000, `exited after ${Math.round(r.ms)} ms`);
    assert.match(fatalEvent(r.output).msg, /policy|key/i);
    assert.equal(existsSync(data), false, 'no data directory (and no keys) created');
  });

  it('a store locked by a running server', async () => {
    const srv = await startServer();
    try {
      const before = snapshot(srv.dataDir);
      const r = await serveUntilExit(['--data', srv.dataDir, '--listen', '127.0.0.1:0', '--origin', 'example.test/log']);
      assert.notEqual(r.code, 0, r.output);
      assert.ok(r.ms < 2_000, `exited after ${Math.round(r.ms)} ms`);
      const fatal = fatalEvent(r.output);
      assert.equal(fatal.code, 'CONFLICT');
      assert.match(fatal.msg, /in use by another process/);
      assert.deepEqual(snapshot(srv.dataDir).filter((l) => !/\/db\/(LOG|[0-9]+\.log) /.test(l)), before.filter((l) => !/\/db\/(LOG|[0-9]+\.log) /.test(l)), 'nothing created or changed (beyond the running server\'s own log files)');
      assert.equal((await fetch(`${srv.url}/healthz`)).status, 200, 'the first server keeps serving');
    } finally {
      await srv.kill();
    }
  });
});

/** A batch of `n` distinct artifact submissions whose names start with `tag`. */
function batchOf(tag: string, n: number): unknown[] {
  return Array.from({ length: n }, (_, i) => ({
    kind: 'artifact',
    subject: { project: 'demo', version: '1.0', filename: `${tag}-${i}.tar.gz`, sha256: (tag.length.toString(16) + i.toString(16)).padStart(64, '0').slice(-64), size: i },
  }));
}

describe('a data directory restored from an older copy', () => {
  const root = tempDir('stamplog-restore-');
  const data = join(root, 'data');
  const backup = join(root, 'backup-at-M');
  let logKey = '';
  after(() => {
    removeDir(root);
    removeDir(data);
  });

  before(async () => {
    // Publish at M = 40, take a copy, publish on to N = 100.
    const srv = await startServer({ dataDir: data });
    logKey = srv.logKey;
    try {
      assert.equal((await appendBatch(srv, batchOf('first', 40))).status, 200);
      assert.equal(await srv.stop('SIGTERM'), 0, srv.output());
    } finally {
      await srv.kill();
    }
    cpSync(data, backup, { recursive: true });
    const again = await startServer({ dataDir: data });
    try {
      assert.equal((await appendBatch(again, batchOf('second', 60))).status, 200);
      const cp = await (await fetch(`${again.url}/checkpoint`)).text();
      assert.match(cp, /\n100\n/);
      assert.equal(await again.stop('SIGTERM'), 0, again.output());
    } finally {
      await again.kill();
    }
  });

  it('refuses to start writes, saying what it found and what to do; a monitor that saw N holds evidence of the fork', async () => {
    // The monitor audits the published tree of 100 entries.
    const published = await startServer({ dataDir: data });
    const state = join(root, 'monitor-state');
    const policy = join(root, 'watch.txt');
    try {
      writeFileSync(policy, `log ${logKey} ${published.url}\nquorum none\n`);
      const audit = await runCliAsync(['audit', '--policy', policy, '--state', state]);
      assert.equal(audit.status, 0, audit.stdout + audit.stderr);
    } finally {
      await published.stop('SIGTERM');
      await published.kill();
    }

    // The operator restores the copy taken at 40 over the data directory and starts the server.
    removeDir(join(data, 'db'));
    cpSync(backup, data, { recursive: true });
    const refused = await startServer({ dataDir: data }).then(
      async (s) => {
        await s.kill();
        return undefined;
      },
      (e: Error) => e.message,
    );
    assert.ok(refused !== undefined, 'the server must not start on the restored copy');
    const fatal = fatalEvent(refused.slice(refused.indexOf('{')));
    assert.equal(fatal.code, 'ROLLBACK');
    assert.match(fatal.msg, /already signed a checkpoint of size 100 .* holds only 40 entries: it is older than what was published/);
    assert.match(fatal.msg, /Restore a copy holding at least 100 entries/);

    // Forced past the guard (another lock, adopted), the restored copy grows into a fork of the published tree.
    const forked = await startServer({ dataDir: data, extraArgs: ['--checkpoint-lock', join(root, 'other.lock'), '--adopt-lock'] });
    try {
      assert.equal((await appendBatch(forked, batchOf('fork', 80))).status, 200);
      writeFileSync(policy, `log ${logKey} ${forked.url}\nquorum none\n`);
      const audit = await runCliAsync(['audit', '--policy', policy, '--state', state]);
      assert.equal(audit.status, 1, `the audit reports the fork:\n${audit.stdout}${audit.stderr}`);
      assert.match(audit.stdout + audit.stderr, /equivocation/i);
    } finally {
      await forked.kill();
    }
    // The evidence is held: the monitor serves it from its state, and it verifies with nothing but the log key.
    const monitor = await startMonitor(['--policy', policy, '--state', state, '--listen', '127.0.0.1:0']);
    try {
      const body = (await (await fetch(`${monitor.url}/evidence`)).json()) as { evidence: unknown[] };
      assert.ok(body.evidence.length >= 1, JSON.stringify(body));
      for (const e of body.evidence) {
        const v = verifyEvidence(e, logKey);
        assert.ok(v !== undefined);
      }
    } finally {
      await monitor.kill();
    }
  });
});
