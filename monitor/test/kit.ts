// Shared helpers for monitor tests: policies for running servers, a state dir with store, alerter and evidence log.
import { parsePolicy } from '../../src/note/index.ts';
import { Alerter, EvidenceLog } from '../findings/index.ts';
import type { Alert } from '../findings/index.ts';
import { logsFromPolicy } from '../config.ts';
import type { MonitoredLog } from '../config.ts';
import { MonitorStore } from '../state/index.ts';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { REPO_ROOT, removeDir, tempDir } from '../../test/helpers/server.ts';

/** A tlog-policy text for the given logs (`url` omitted: gossip/witness only). */
export function policyText(logs: readonly { logKey: string; url?: string }[], extra = ''): string {
  return `${logs.map((l) => `log ${l.logKey}${l.url === undefined ? '' : ` ${l.url}`}`).join('\n')}\n${extra}quorum none\n`;
}

export function logsOf(text: string): MonitoredLog[] {
  return logsFromPolicy(parsePolicy(text));
}

/** A monitor state in a fresh temp dir, collecting alerts in memory. */
export interface Kit {
  dir: string;
  store: MonitorStore;
  alerter: Alerter;
  alerts: Alert[];
  evidence: EvidenceLog;
  close(remove?: boolean): Promise<void>;
}

export async function openKit(logs: readonly MonitoredLog[], dir = tempDir('stamplog-monitor-')): Promise<Kit> {
  const store = await MonitorStore.open(dir);
  const alerts: Alert[] = [];
  const alerter = new Alerter([{ emit: async (a) => void alerts.push(a) }]);
  const evidence = new EvidenceLog(store, alerter, logs);
  return {
    dir,
    store,
    alerter,
    alerts,
    evidence,
    close: async (remove = true) => {
      await store.close();
      if (remove) removeDir(dir);
    },
  };
}

// ──────────────────────────── monitor processes ────────────────────────────


const CLI = join(REPO_ROOT, 'monitor/cli.ts');
const children = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Runs `stamplog-monitor <args>` to completion (bounded, 60 s). */
export function runCli(args: readonly string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 60_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Runs `stamplog-monitor <args>` to completion (bounded, 60 s) without blocking this process, for tests that
 * serve the log from this process (fakelog.ts).
 */
export async function runCliAsync(args: readonly string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
  const status = await new Promise<number | null>((r) => child.once('close', (code) => r(code)));
  clearTimeout(timer);
  children.delete(child);
  return { status, stdout, stderr };
}

/** A free loopback port (bound and released; fine for tests on one host). */
export async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const port = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

export interface RunningMonitor {
  url: string;
  output(): string;
  kill(): Promise<void>;
}

/** Starts `stamplog-monitor run <args>` and waits (bounded, 20 s) for its listening line. */
export async function startMonitor(args: readonly string[]): Promise<RunningMonitor> {
  const child = spawn(process.execPath, ['--import', 'tsx', CLI, 'run', ...args], { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const deadline = Date.now() + 20_000;
  let url: string | undefined;
  while (url === undefined) {
    url = /stamplog-monitor: listening on (http:\/\/\S+)/.exec(out)?.[1];
    if (url !== undefined) break;
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`monitor did not start; output:\n${out}`);
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  return {
    url,
    output: () => out,
    kill: async () => {
      child.kill('SIGKILL');
      await exited;
      children.delete(child);
    },
  };
}
