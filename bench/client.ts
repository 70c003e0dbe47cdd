/**
 * Client-side benchmarks (issues 4 and 5), run as users run them:
 * - `stamplog backfill` of a generated PyPI-like corpus (`stamplog corpus`) into a fresh log, the log and the
 *   backfill both started through bin/stamplog.js on this machine (they share its cores); every round a fresh log;
 * - the monitor's audit of a log served as static tiles (monitor/bench/audit.ts).
 *
 *   npm run bench -- client
 *   BENCH_BACKFILL_RECORDS=1000000   corpus size (0 skips the backfill)
 *   BENCH_AUDIT_ENTRIES=1000000      log size for the audit (0 skips it)
 *   BENCH_ROUNDS=3                   backfill rounds
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { median } from './harness.ts';
import { LAUNCHER, SECRET, output, startLog } from './processes.ts';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const RECORDS = Number(process.env.BENCH_BACKFILL_RECORDS ?? 1_000_000);
const AUDIT_ENTRIES = Number(process.env.BENCH_AUDIT_ENTRIES ?? 1_000_000);

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function backfill(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'stamplog-bench-backfill-'));
  try {
    const corpus = join(dir, 'corpus');
    const c0 = Date.now();
    await output(LAUNCHER, ['corpus', '--files', String(RECORDS), '--out', corpus]);
    console.log(`generated a corpus of ${fmt(RECORDS)} PyPI-like file records in ${((Date.now() - c0) / 1000).toFixed(1)} s`);
    const rates: number[] = [];
    for (let r = 0; r < ROUNDS; r++) {
      const log = await startLog(join(dir, `log-${r}`));
      try {
        const args = ['backfill', corpus, '--log', `http://127.0.0.1:${log.port}`, '--token', SECRET, '--state', join(dir, `state-${r}.json`), '--no-progress'];
        const out = await output(LAUNCHER, args, { STAMPLOG_HOME: join(dir, `home-${r}`) });
        // "… <N> new entries … ; <rate> entries/s over <seconds> s; log size <N>, consistent with the trust store"
        const m = /([\d,]+) new entries.*?([\d,]+) entries\/s over ([\d.]+) s; log size ([\d,]+), consistent/.exec(out);
        if (m === null || Number(m[1].replace(/,/g, '')) !== RECORDS) throw new Error(`backfill round ${r} did not ingest every record: ${out}`);
        rates.push(Number(m[2].replace(/,/g, '')));
      } finally {
        await log.stop();
      }
    }
    console.log(
      `backfill of ${fmt(RECORDS)} records into a fresh log (batches of 1,000, 8 in flight, every batch verified): ${fmt(median(rates))} entries/s   (rounds ${rates.map(fmt).join(', ')}) (target ≥ 30,000)`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function audit(): Promise<void> {
  const out = await output(process.execPath, ['--import', 'tsx', 'monitor/bench/audit.ts', String(AUDIT_ENTRIES)]);
  const line = out.trim().split('\n').pop() ?? '';
  console.log(`monitor audit: ${line} (target ≥ 200,000 entries/s)`);
}

export async function runClientBenchmarks(): Promise<void> {
  if (RECORDS > 0) await backfill();
  if (AUDIT_ENTRIES > 0) await audit();
}
