/**
 * Start-up time of the `stamplog` command (issue 16: `--version` and `--help` < 150 ms, `verify` of a small file
 * with its receipt < 300 ms wall), run as users run it: the launcher bin/stamplog.js (its `env -S node …` line)
 * over the compiled build, which `npm run bench` has just made. Wall time from spawn to exit, measured here.
 *
 *   npm run bench -- startup
 *   BENCH_STARTUP_RUNS=10   warm runs per command (the median is reported)
 *
 * "Cold" is the first run of each command after the build (no cache dropped: the files were just written, so
 * they are in the page cache; what is cold is node's and the OS's view of the modules not yet loaded). The
 * receipt that `verify` checks comes from a log started and appended to after the cold `--version` and `--help`
 * runs, so the modules those load are warm by then; the cold `verify` is its own first run. For comparison, the
 * same commands through tsx (`node --import tsx src/cli/main.ts`), without the build.
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from './harness.ts';
import { LAUNCHER, SECRET, output, root, startLog } from './processes.ts';

const RUNS = Number(process.env.BENCH_STARTUP_RUNS ?? 10);

/** Runs `command args` to completion; resolves with its wall time in ms, rejects unless it exits 0. */
function timed(command: string, args: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => {
      const ms = performance.now() - t0;
      if (code === 0) resolve(ms);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err}`));
    });
  });
}

interface Figure {
  name: string;
  target: number;
  cold: number;
  warm: number[];
}

async function warm(command: string, args: string[], env: Record<string, string>): Promise<number[]> {
  const runs: number[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await timed(command, args, env));
  return runs;
}

function print(f: Figure): void {
  const ms = (n: number) => `${n.toFixed(0)} ms`;
  const m = median(f.warm);
  console.log(
    `${f.name.padEnd(44)} cold ${ms(f.cold).padStart(7)}   warm median ${ms(m).padStart(7)}   (runs ${f.warm.map((n) => n.toFixed(0)).join(', ')}) (target < ${f.target} ms: ${m < f.target ? 'met' : 'NOT met'})`,
  );
}

export async function runStartupBenchmarks(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'stamplog-bench-startup-'));
  try {
    const env = { STAMPLOG_HOME: join(dir, 'home'), STAMPLOG_TOKEN: '', STAMPLOG_LOG: '' };
    // Cold first, before anything else loads the build.
    const coldVersion = await timed(LAUNCHER, ['--version'], env);
    const coldHelp = await timed(LAUNCHER, ['--help'], env);

    // A small file and its receipt, from a fresh log; the append pins the log's key in the trust store.
    const file = join(dir, 'demo-1.0.tar.gz');
    await writeFile(file, Buffer.alloc(10_000, 7));
    const log = await startLog(join(dir, 'log'));
    try {
      await output(LAUNCHER, ['append', file, '--project', 'demo', '--version', '1.0', '--log', `http://127.0.0.1:${log.port}`, '--token', SECRET], env);
    } finally {
      await log.stop();
    }
    const coldVerify = await timed(LAUNCHER, ['verify', file], env);

    console.log(`launcher: ${LAUNCHER} (compiled build); ${RUNS} warm runs each`);
    print({ name: 'stamplog --version', target: 150, cold: coldVersion, warm: await warm(LAUNCHER, ['--version'], env) });
    print({ name: 'stamplog --help', target: 150, cold: coldHelp, warm: await warm(LAUNCHER, ['--help'], env) });
    print({ name: 'stamplog verify (10 kB file, its receipt)', target: 300, cold: coldVerify, warm: await warm(LAUNCHER, ['verify', file], env) });

    // Node itself, and the same commands through tsx, for comparison.
    const bare = await warm(process.execPath, ['-e', '0'], env);
    console.log(`${'node -e 0 (node alone)'.padEnd(44)} warm median ${median(bare).toFixed(0).padStart(4)} ms`);
    const tsx = [process.execPath, '--import', 'tsx', join(root, 'src/cli/main.ts')];
    for (const [name, args] of [
      ['--version', ['--version']],
      ['verify', ['verify', file]],
    ] as const) {
      const runs = await warm(tsx[0], [...tsx.slice(1), ...args], env);
      console.log(`${`through tsx (before the build): ${name}`.padEnd(44)} warm median ${median(runs).toFixed(0).padStart(4)} ms`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
