/**
 * The processes the benchmarks run: the log server through the launcher users run (bin/stamplog.js, with its node
 * flags), and other node scripts, each waited for until it prints the port it listens on.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root directory. */
export const root = fileURLToPath(new URL('..', import.meta.url));

/** The submitter token the benchmark logs accept (name:secret), and its secret. */
export const TOKEN = 'bench:0123456789abcdef0123456789';
export const SECRET = TOKEN.slice(TOKEN.indexOf(':') + 1);

/** The launcher users run (`npx stamplog …`). */
export const LAUNCHER = join(root, 'bin/stamplog.js');

export interface Running {
  child: ChildProcess;
  port: number;
  stop(): Promise<void>;
}

/**
 * The node flags bin/stamplog.js runs the log with (read from its `#!/usr/bin/env -S node …` line): the trivial
 * handler gets them too, for a fair baseline.
 */
export const SERVER_NODE_FLAGS = readFileSync(join(root, 'bin/stamplog.js'), 'utf8').split('\n')[0].split(' ').slice(3);

/** Starts `args` with node (and `nodeFlags`) and tsx, or runs the executable `command` with `args`. */
export function startProcess(args: string[], portPattern: RegExp, command?: string, nodeFlags: string[] = []): Promise<Running> {
  return new Promise((resolve, reject) => {
    const child =
      command === undefined
        ? spawn(process.execPath, [...nodeFlags, '--import', 'tsx', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] })
        : spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process did not start within 60 s: ${out}`));
    }, 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = portPattern.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve({
          child,
          port: Number(m[1]),
          stop: () =>
            new Promise<void>((res) => {
              if (child.exitCode !== null) return res();
              child.once('exit', () => res());
              child.kill('SIGTERM');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`process exited (${code}) before listening: ${out}`));
    });
  });
}

export async function startLog(dataDir: string): Promise<Running> {
  // The launcher users run (`npx stamplog serve`, `npm start`), with its node flags (see bin/stamplog.js).
  return startProcess(
    ['serve', '--data', dataDir, '--listen', '127.0.0.1:0', '--origin', 'bench.example/log', '--token', TOKEN],
    /listening on http:\/\/127\.0\.0\.1:(\d+)/,
    LAUNCHER,
  );
}

/** Runs `command args` to completion; resolves with its stdout, rejects (with its output) unless it exits 0. */
export function output(command: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
    child.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${err}${out}`))));
  });
}
