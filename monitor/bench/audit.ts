/**
 * Audit throughput: a fresh monitor audits an N-entry log (default 1,000,000) from tiles, served by a static
 * tile server in a child process (tileserver.ts). Prints entries/s for the whole pass (fetch entry bundles,
 * decode every leaf strictly, hash, content checks, authenticate each chunk, one synced LevelDB commit a chunk),
 * and the monitor process's resident memory at the end and at its peak (the tile server's is not counted).
 *   node --import tsx monitor/bench/audit.ts [entries]
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePolicy } from '../../src/note/index.ts';
import { logsFromPolicy } from '../config.ts';
import { Alerter, EvidenceLog } from '../findings/index.ts';
import { Follower } from '../follow/index.ts';
import { MonitorStore } from '../state/index.ts';

const n = Number(process.argv[2] ?? 1_000_000);
const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./tileserver.ts', import.meta.url)), String(n)], { stdio: ['ignore', 'pipe', 'inherit'] });
let out = '';
child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
const t0 = performance.now();
while (!/key \S+/.test(out)) {
  if (child.exitCode !== null) throw new Error(`tile server exited: ${out}`);
  await new Promise((r) => setTimeout(r, 100));
}
const url = /url (\S+)/.exec(out)?.[1] as string;
const vkey = /key (\S+)/.exec(out)?.[1] as string;
console.log(`tile server with ${n} entries ready in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const dir = mkdtempSync(join(tmpdir(), 'stamplog-monitor-bench-'));
try {
  const logs = logsFromPolicy(parsePolicy(`log ${vkey} ${url}\nquorum none\n`));
  const store = await MonitorStore.open(dir);
  let alerts = 0;
  const alerter = new Alerter([{ emit: async () => void alerts++ }]);
  const f = new Follower(logs[0], { store, alerter, evidence: new EvidenceLog(store, alerter, logs) });
  const t1 = performance.now();
  const r = await f.pass();
  const secs = (performance.now() - t1) / 1000;
  const rss = Math.round(process.memoryUsage().rss / 2 ** 20);
  const peak = Math.round(process.resourceUsage().maxRSS / 1024); // maxRSS is in KiB
  console.log(`audited ${r.audited} entries in ${secs.toFixed(2)} s: ${Math.round(r.audited / secs)} entries/s (${alerts} alerts; rss ${rss} MiB, peak ${peak} MiB)`);
  await store.close();
} finally {
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}
