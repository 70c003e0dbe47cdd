// The package as an operator and a package user get it (issue 16, items 4 and 5): a copy of the working tree is
// packed (`npm pack`, which builds dist/ through `prepare`), the tarball is installed with `npm install -g` into
// a fresh prefix, and the installed `stamplog` and `stamplog-monitor` are run from another directory: serve,
// append, verify, audit; the compiled worker threads are started from the installed build. In the copy, the
// real npm runs the server (`npm start`, `npx stamplog serve`) and is sent SIGTERM: the server must get it, drain
// and stop, leaving no process and no lock behind.
//
// Slow on purpose (a build, and an install that fetches the dependencies from the registry: ~30-60 s); it runs
// against its own copy, so the repository's dist/ is never read or rewritten.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Level } from 'level';
import { REPO_ROOT, makeSubmission, removeDir, tempDir } from '../helpers/server.ts';

/** What the copy leaves out: nothing the build or the package needs. */
const SKIPPED = /^(node_modules|dist|\.git|test|bench|data|coverage|\.prof|\.stamplog-bench|monitor\/test|monitor\/bench)(\/|$)|\.(tgz|log)$/;
const VERSION = (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const LISTENING = /listening on (http:\/\/127\.0\.0\.1:(\d+))/;
/** The command line of node running `stamplog serve` (not that of a shell that started it). */
const NODE_SERVER = /^\S*node\s.*stamplog(\.js)? serve /;

interface Result {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const show = (r: Result) => `exit ${r.code ?? r.signal}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`;

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** Runs `command args` to completion (SIGKILL after `timeoutMs`); resolves with its status and output. */
function run(command: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs?: number; input?: string }): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

interface Started {
  child: ChildProcess;
  url: string;
  output(): string;
  exited: Promise<Result>;
}

/** Starts a long-running command and waits (bounded) for its listening line. */
function start(command: string, args: readonly string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<Started> {
  const child = spawn(command, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  let stdout = '';
  let stderr = '';
  // Exited: once its output is closed, or 3 s after it exited (a process it left behind may hold the output open).
  const exited = new Promise<Result>((resolve) => {
    const done = () => {
      live.delete(child);
      resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
    };
    child.once('close', done);
    child.once('exit', () => setTimeout(done, 3000).unref());
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')}: no listening line within 60 s:\n${stdout}${stderr}`));
    }, 60_000);
    const look = () => {
      const m = LISTENING.exec(stdout);
      if (m === null) return;
      clearTimeout(timer);
      resolve({ child, url: m[1], output: () => stdout + stderr, exited });
    };
    child.stdout!.setEncoding('utf8').on('data', (s: string) => {
      stdout += s;
      look();
    });
    child.stderr!.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    void exited.then((r) => {
      clearTimeout(timer);
      reject(new Error(`${command} ${args.join(' ')} exited before listening: ${show(r)}`));
    });
  });
}

/** The parent pid and state of a process, or undefined once it is gone (a zombie counts as gone). */
function procStat(pid: number): { ppid: number; state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return state === 'Z' ? undefined : { ppid: Number(ppid), state };
  } catch {
    return undefined;
  }
}

/** Every live descendant of `pid`, with its command line. */
function descendants(pid: number): { pid: number; ppid: number; cmdline: string }[] {
  const all = readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map((p) => ({ pid: Number(p), stat: procStat(Number(p)) }))
    .filter((p) => p.stat !== undefined)
    .map((p) => ({ pid: p.pid, ppid: p.stat!.ppid }));
  const out: { pid: number; ppid: number; cmdline: string }[] = [];
  const walk = (parent: number) => {
    for (const p of all.filter((q) => q.ppid === parent)) {
      let cmdline: string;
      try {
        cmdline = readFileSync(`/proc/${p.pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        continue; // gone meanwhile
      }
      out.push({ ...p, cmdline });
      walk(p.pid);
    }
  };
  walk(pid);
  return out;
}

/** SIGKILLs what is left of `tree` (after a failed assertion: nothing may outlive the test). */
function killAll(tree: readonly { pid: number }[]): void {
  for (const p of tree) if (procStat(p.pid) !== undefined) process.kill(p.pid, 'SIGKILL');
}

async function waitUntil(cond: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > deadline) assert.fail(`${what}: not within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const hasProc = existsSync('/proc/self/stat');
const hasPython = spawnSync('python3', ['--version']).status === 0;

describe('the package: npm pack, npm install -g, npm start, npx', { timeout: 300_000 }, () => {
  let tmp: string;
  let copy: string;
  let tarball: string;
  let prefix: string;
  let work: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    tmp = tempDir('stamplog-package-');
    copy = join(tmp, 'repo');
    // The working tree as it is (what the developer is about to commit), without tests, build or state.
    const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO_ROOT, encoding: 'utf8' });
    const files =
      listed.status === 0
        ? listed.stdout.split('\0').filter((f) => f !== '' && !SKIPPED.test(f) && existsSync(join(REPO_ROOT, f)))
        : readdirSync(REPO_ROOT, { recursive: true, withFileTypes: true })
            .filter((d) => d.isFile())
            .map((d) => join(d.parentPath, d.name).slice(REPO_ROOT.length))
            .filter((f) => !SKIPPED.test(f));
    for (const f of files) {
      mkdirSync(dirname(join(copy, f)), { recursive: true });
      cpSync(join(REPO_ROOT, f), join(copy, f), { preserveTimestamps: true });
    }
    // The build needs the dev dependencies (TypeScript); they are the repository's.
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(copy, 'node_modules'), 'dir');
    // Node first on PATH: the launchers' `#!/usr/bin/env node` find the node running the tests. No npm_* from
    // the `npm test` that runs us; an npm cache and config of our own would make every run download everything.
    env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
    env.PATH = `${dirname(process.execPath)}:${env.PATH ?? ''}`;
    env.STAMPLOG_HOME = join(tmp, 'home');
    env.STAMPLOG_TOKEN = '';
    env.STAMPLOG_TOKENS = '';
    env.STAMPLOG_LOG = '';
    const packed = await run('npm', ['pack', '--json', '--pack-destination', tmp], { cwd: copy, env, timeoutMs: 120_000 });
    assert.equal(packed.code, 0, show(packed));
    const [{ filename }] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as { filename: string }[];
    tarball = join(tmp, filename);
    assert.ok(existsSync(tarball), tarball);
    // The dependencies come from the registry (or npm's cache).
    prefix = join(tmp, 'prefix');
    const installed = await run('npm', ['install', '-g', '--prefix', prefix, '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: tmp, env, timeoutMs: 180_000 });
    assert.equal(installed.code, 0, show(installed));
    work = join(tmp, 'work');
    mkdirSync(work);
  });

  after(() => removeDir(tmp));

  it('packs the compiled build, the launchers and the README; no tests and no TypeScript', () => {
    const list = spawnSync('tar', ['-tzf', tarball], { encoding: 'utf8' });
    assert.equal(list.status, 0, list.stderr);
    const files = list.stdout.split('\n').filter((f) => f !== '').map((f) => f.replace(/^package\//, ''));
    for (const f of ['package.json', 'README.md', 'bin/stamplog.js', 'bin/parent.js', 'monitor/stamplog-monitor.js', 'dist/src/cli/main.js', 'dist/monitor/cli.js', 'dist/src/receipts/thread.js', 'dist/monitor/follow/bundlethread.js']) {
      assert.ok(files.includes(f), `${f} is in the package (${files.length} files)`);
    }
    assert.deepEqual(files.filter((f) => f.endsWith('.ts') || f.startsWith('test/') || f.startsWith('src/') || f.endsWith('.mjs')), []);
  });

  it('installed with npm install -g into a fresh prefix: stamplog and stamplog-monitor work from another directory', { timeout: 90_000 }, async () => {
    const bin = (name: string) => join(prefix, 'bin', name);
    const cli = (args: string[]) => run(bin('stamplog'), args, { cwd: work, env });

    const version = await cli(['--version']);
    assert.equal(version.code, 0, show(version));
    assert.equal(version.stdout.trim(), VERSION);
    const help = await cli(['--help']);
    assert.equal(help.code, 0, show(help));
    for (const command of ['serve', 'append', 'verify', 'backfill']) assert.match(help.stdout, new RegExp(`\\n  ${command}\\b`));

    const secret = randomBytes(18).toString('base64url');
    const server = await start(bin('stamplog'), ['serve', '--data', join(work, 'data'), '--listen', '127.0.0.1:0', '--origin', 'example.test/log', '--token', `alice:${secret}`], { cwd: work, env });
    try {
      writeFileSync(join(work, 'demo-1.0.tar.gz'), randomBytes(1000));
      const appended = await cli(['append', 'demo-1.0.tar.gz', '--project', 'demo', '--version', '1.0', '--log', server.url, '--token', secret]);
      assert.equal(appended.code, 0, show(appended));
      assert.ok(existsSync(join(work, 'demo-1.0.tar.gz.tlog-proof')), show(appended));
      const verified = await cli(['verify', 'demo-1.0.tar.gz']);
      assert.equal(verified.code, 0, show(verified));
      assert.match(verified.stdout, /^OK demo-1\.0\.tar\.gz/);

      // The example upload hook, executable as its header says (python3 on the PATH).
      if (hasPython) {
        writeFileSync(join(work, 'demo-1.1.tar.gz'), randomBytes(1000));
        const hook = join(prefix, 'lib/node_modules/stamplog/examples/pypi-upload-hook.py');
        const hooked = await run(hook, ['--log', server.url, '--project', 'demo', '--version', '1.1', 'demo-1.1.tar.gz'], { cwd: work, env: { ...env, STAMPLOG_TOKEN: secret } });
        assert.equal(hooked.code, 0, show(hooked));
        const checked = await cli(['verify', 'demo-1.1.tar.gz']);
        assert.equal(checked.code, 0, show(checked));
      }

      // A batch of 64 (the receipt thread's threshold): the installed server answers it.
      const batch = await fetch(`${server.url}/api/v1/entries/batch`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify({ entries: Array.from({ length: 64 }, (_, i) => makeSubmission(i)) }),
      });
      assert.equal(batch.status, 200, await batch.clone().text());
      assert.equal(((await batch.json()) as { receipts: unknown[] }).receipts.length, 64);

      const { logKey } = (await (await fetch(`${server.url}/api/v1/log`)).json()) as { logKey: string };
      writeFileSync(join(work, 'watch.txt'), `log ${logKey} ${server.url}\nquorum none\n`);
      const audited = await run(bin('stamplog-monitor'), ['audit', '--policy', 'watch.txt', '--state', 'monitor-state'], { cwd: work, env });
      assert.equal(audited.code, 0, show(audited));

      // The worker threads of the installed build start from its compiled files (the log falls back to its
      // own thread when the receipt thread fails, so the batch above would not show it): one receipt and one
      // entry bundle through each.
      const dist = pathToFileURL(join(prefix, 'lib/node_modules/stamplog/dist/')).href;
      const threads = await run(process.execPath, ['--input-type=module', '-e', WORKER_CHECK, dist, server.url], { cwd: work, env });
      assert.equal(threads.code, 0, show(threads));
      assert.deepEqual(JSON.parse(threads.stdout), { receipts: 1, bundleCount: hasPython ? 66 : 65 }); // the entries appended above
    } finally {
      server.child.kill('SIGTERM');
      const kill = setTimeout(() => server.child.kill('SIGKILL'), 15_000);
      const stopped = await server.exited;
      clearTimeout(kill);
      assert.equal(stopped.code, 0, show(stopped));
    }
  });

  // The real npm: `npm start` runs the script through `sh -c`; its `exec` makes the server npm's own child, so the
  // SIGTERM npm forwards reaches it, and npm exits once the server drained.
  it('npm start: SIGTERM to npm reaches the server, which drains and stops; nothing remains', { skip: !hasProc && 'needs /proc', timeout: 60_000 }, async () => {
    const data = join(tmp, 'start-data');
    const npm = await start('npm', ['start', '--', '--data', data, '--listen', '127.0.0.1:0', '--origin', 'example.test/log', '--token', `alice:${randomBytes(18).toString('base64url')}`], { cwd: copy, env });
    const tree = descendants(npm.child.pid!);
    const server = tree.find((p) => NODE_SERVER.test(p.cmdline));
    try {
      assert.ok(server, `a stamplog process under npm: ${JSON.stringify(tree)}`);
      assert.equal(server.ppid, npm.child.pid, `no shell between npm and the server: ${JSON.stringify(tree)}`);
    } catch (e) {
      killAll(tree);
      npm.child.kill('SIGKILL');
      throw e;
    }
    npm.child.kill('SIGTERM');
    try {
      const r = await npm.exited;
      assert.match(r.stdout + r.stderr, /drain/i, show(r));
      await waitUntil(() => tree.every((p) => procStat(p.pid) === undefined), `every process npm started gone (${JSON.stringify(tree)})`, 10_000);
    } finally {
      killAll(tree);
    }
    await assertUnlocked(join(data, 'db'));
  });

  // `npx` runs the bin through `sh -c` and cannot be told to exec: the forwarded SIGTERM kills the shell, and the
  // launcher, seeing its parent gone, sends itself SIGTERM (bin/parent.js). npx finds the installed package's bin
  // in the global prefix, as after `npm install -g` (in the repository, it links the project into its cache).
  it('npx stamplog serve: SIGTERM to npx reaches the server, which drains and stops; nothing remains', { skip: !hasProc && 'needs /proc', timeout: 60_000 }, async () => {
    const data = join(tmp, 'npx-data');
    const npxEnv = { ...env, npm_config_prefix: prefix };
    const npx = await start('npx', ['--no-install', 'stamplog', 'serve', '--data', data, '--listen', '127.0.0.1:0', '--origin', 'example.test/log', '--token', `alice:${randomBytes(18).toString('base64url')}`], { cwd: work, env: npxEnv });
    const tree = descendants(npx.child.pid!);
    try {
      assert.ok(tree.some((p) => NODE_SERVER.test(p.cmdline) && p.cmdline.includes(`${prefix}/bin/stamplog serve`)), `the installed stamplog under npx: ${JSON.stringify(tree)}`);
    } catch (e) {
      killAll(tree);
      npx.child.kill('SIGKILL');
      throw e;
    }
    npx.child.kill('SIGTERM');
    try {
      await npx.exited;
      await waitUntil(() => tree.every((p) => procStat(p.pid) === undefined), `every process npx started gone (${JSON.stringify(tree)})`, 10_000);
    } finally {
      killAll(tree);
    }
    assert.match(npx.output(), /drain/i, npx.output());
    await assertUnlocked(join(data, 'db'));
  });
});

/** The store is not held by anyone: LevelDB opens it (its LOCK is free). */
async function assertUnlocked(dir: string): Promise<void> {
  const db = new Level(dir);
  await db.open();
  await db.close();
}

// Run with plain node (no tsx) against the installed dist/ (argv[1]) and the running log (argv[2]): a receipt
// from the compiled receipt thread, entry bundle 0 from the compiled bundle thread.
const WORKER_CHECK = `
const [dist, url] = process.argv.slice(1);
const { MemoryTree } = await import(new URL('src/merkle/memory.js', dist));
const { ReceiptWorker } = await import(new URL('src/receipts/worker.js', dist));
const { formatCheckpoint } = await import(new URL('src/note/checkpoint.js', dist));
const { formatNote } = await import(new URL('src/note/note.js', dist));
const { WorkerBundleStream } = await import(new URL('monitor/follow/bundleworker.js', dist));
const tree = new MemoryTree();
const leaves = [0, 1, 2].map((i) => new TextEncoder().encode('leaf ' + i));
for (const l of leaves) tree.append(l);
const receipts = new ReceiptWorker(tree);
// The thread checks the root and the leaf, not the signature: any well-formed note will do.
const note = formatNote(formatCheckpoint({ origin: 'example.test/log', size: 3, rootHash: tree.root() }), [{ name: 'example.test/log', keyId: 1, signature: new Uint8Array(64) }]);
const body = await receipts.body([{ index: 1, leaf: leaves[1], entryJSON: '{}', duplicate: false }], 3, tree.root(), note);
await receipts.close();
const { size } = JSON.parse(await (await fetch(url + '/api/v1/log')).text());
const bundles = new WorkerBundleStream({ url, fetch: {}, first: 0, last: 0, size, ahead: 1 });
const bundle = await bundles.take();
await bundles.close();
console.log(JSON.stringify({ receipts: JSON.parse(body.toString('latin1')).receipts.length, bundleCount: bundle.count }));
`;
