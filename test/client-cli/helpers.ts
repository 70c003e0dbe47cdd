/**
 * Helpers for the client CLI tests: run `stamplog …` as a child process (node --import tsx src/cli/main.ts)
 * with its own trust store, and collect its exit status and output.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/server.ts';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  /** The trust store directory (STAMPLOG_HOME). */
  home: string;
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

/** Runs `stamplog <args>`; resolves with its exit code and output (kills it after `timeoutMs`, default 60 s). */
export function stamplog(args: readonly string[], opts: CliOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), ...args], {
      cwd: opts.cwd ?? REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, STAMPLOG_TOKEN: '', STAMPLOG_LOG: '', ...opts.env, STAMPLOG_HOME: opts.home },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.once('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A readable description of a CLI result for assertion messages. */
export function show(r: CliResult): string {
  return `exit ${r.code}\n--- stdout ---\n${r.stdout}--- stderr ---\n${r.stderr}`;
}
