/**
 * Server benchmarks (issue 3), with the real log server on loopback (LevelDB, fsync on every commit) and the
 * load generator in a separate process (bench/loadgen.ts). Because this machine's speed drifts, single-entry
 * appends are measured against a trivial express JSON POST handler (bench/trivial-server.ts) with the same
 * client, interleaved (trivial, log, trivial, log, …), and medians are reported.
 *
 *   npm run bench -- server          all server figures
 *   BENCH_ROUNDS=3 BENCH_SECONDS=5   rounds per interleaved pair and seconds per run (defaults 3 and 5)
 *   BENCH_PROOF_LEAVES=1000000       log size for the inclusion-proof read figure (0 skips it)
 *   BENCH_ONLY=single,signed,batch,proofs   only these sections (all by default)
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './harness.ts';
import { SECRET, SERVER_NODE_FLAGS, output, startLog, startProcess } from './processes.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
const PROOF_LEAVES = Number(process.env.BENCH_PROOF_LEAVES ?? 1_000_000);
const ONLY = process.env.BENCH_ONLY ?? '';

interface LoadResult {
  requests: number;
  entries: number;
  seconds: number;
  perSecond: number;
  entriesPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  statuses: Record<string, number>;
}

async function load(config: Record<string, unknown>): Promise<LoadResult> {
  const out = await output(process.execPath, ['--import', 'tsx', 'bench/loadgen.ts', JSON.stringify(config)]);
  return JSON.parse(out.trim().split('\n').pop() as string) as LoadResult;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const ms = (n: number) => `${n.toFixed(1)} ms`;

async function appendComparison(signed: boolean): Promise<void> {
  const trivial: LoadResult[] = [];
  const logged: LoadResult[] = [];
  const dir = await mkdtemp(join(tmpdir(), 'stamplog-bench-'));
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const t = await startProcess(['bench/trivial-server.ts'], /listening (\d+)/, undefined, SERVER_NODE_FLAGS);
      trivial.push(await load({ url: `http://127.0.0.1:${t.port}`, mode: 'append', concurrency: 64, seconds: SECONDS, token: SECRET, signed }));
      await t.stop();
      const l = await startLog(join(dir, `round-${r}`));
      logged.push(await load({ url: `http://127.0.0.1:${l.port}`, mode: 'append', concurrency: 64, seconds: SECONDS, token: SECRET, signed, seed: `r${r}` }));
      await l.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  const tr = median(trivial.map((x) => x.perSecond));
  const lr = median(logged.map((x) => x.entriesPerSecond));
  const tp99 = median(trivial.map((x) => x.p99));
  const lp99 = median(logged.map((x) => x.p99));
  const label = signed ? 'single appends, 64 clients, Ed25519-signed entries' : 'single appends, 64 clients';
  console.log(`${label}:`);
  console.log(`  trivial express handler   ${fmt(tr).padStart(8)} req/s   p50 ${ms(median(trivial.map((x) => x.p50)))}   p99 ${ms(tp99)}   (rounds ${trivial.map((x) => fmt(x.perSecond)).join(', ')})`);
  console.log(`  stamplog append           ${fmt(lr).padStart(8)} entries/s   p50 ${ms(median(logged.map((x) => x.p50)))}   p99 ${ms(lp99)}   (rounds ${logged.map((x) => fmt(x.entriesPerSecond)).join(', ')}; errors ${logged.map((x) => x.errors).join(', ')})`);
  console.log(`  ratio ${(lr / tr).toFixed(2)} (target ≥ 0.5); p99 difference ${ms(lp99 - tp99)} (target ≤ 25 ms)`);
}

async function batchAppends(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'stamplog-bench-'));
  const rates: LoadResult[] = [];
  try {
    for (let r = 0; r < ROUNDS; r++) {
      const l = await startLog(join(dir, `round-${r}`));
      rates.push(await load({ url: `http://127.0.0.1:${l.port}`, mode: 'batch', batchSize: 1000, concurrency: 4, seconds: SECONDS, token: SECRET, seed: `b${r}` }));
      await l.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  console.log(`batch appends (1,000 per request, 4 clients): ${fmt(median(rates.map((x) => x.entriesPerSecond)))} entries/s   p99 ${ms(median(rates.map((x) => x.p99)))}   (rounds ${rates.map((x) => fmt(x.entriesPerSecond)).join(', ')}) (target ≥ 30,000)`);
}

async function proofReads(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'stamplog-bench-'));
  try {
    let l = await startLog(join(dir, 'proofs'));
    const t0 = Date.now();
    let filled = 0;
    for (let chunk = 0; filled < PROOF_LEAVES && chunk < 10_000; chunk++) {
      const r = await load({ url: `http://127.0.0.1:${l.port}`, mode: 'batch', batchSize: 1000, concurrency: 4, seconds: 10, token: SECRET, seed: `fill${chunk}` });
      filled += r.entries;
    }
    console.log(`filled a log with ${fmt(filled)} entries in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    // Restart: measures start-up re-verification of the whole log too.
    await l.stop();
    const s0 = Date.now();
    l = await startLog(join(dir, 'proofs'));
    console.log(`restart with full re-verification of ${fmt(filled)} entries: ${((Date.now() - s0) / 1000).toFixed(1)} s`);
    const rates: LoadResult[] = [];
    for (let r = 0; r < ROUNDS; r++) rates.push(await load({ url: `http://127.0.0.1:${l.port}`, mode: 'proof', proofSize: filled, concurrency: 64, seconds: SECONDS }));
    await l.stop();
    console.log(`inclusion-proof reads (log of ${fmt(filled)}, 64 clients): ${fmt(median(rates.map((x) => x.perSecond)))} req/s   p99 ${ms(median(rates.map((x) => x.p99)))}   (rounds ${rates.map((x) => fmt(x.perSecond)).join(', ')}) (target ≥ 10,000)`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runServerBenchmarks(): Promise<void> {
  const only = ONLY === '' ? undefined : new Set(ONLY.split(','));
  const run = (name: string) => only === undefined || only.has(name);
  if (run('single')) await appendComparison(false);
  if (run('signed')) await appendComparison(true);
  if (run('batch')) await batchAppends();
  if (PROOF_LEAVES > 0 && run('proofs')) await proofReads();
}

if (import.meta.url === `file://${process.argv[1]}`) await runServerBenchmarks();
