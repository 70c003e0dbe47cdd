/**
 * `stamplog backfill <source…> [--log URL] [--token T] [--state FILE] [--batch N] [--concurrency N]`: ingest
 * existing history (PyPI JSON API or PEP 691 documents: files, directories of *.json, or URLs) as
 * `artifact` entries with `claims.backfill = true` and the index's `uploadedAt`, through the batch endpoint,
 * verifying every receipt, resumable through the state file (src/ingest/backfill.ts). Progress on stderr
 * (once a second), a summary on stdout. SIGINT/SIGTERM stop after the batches in flight, save the state and
 * exit 130; the same command resumes. Other exit statuses as exit.ts.
 *
 * `stamplog corpus --files N --out DIR [--per-project N] [--format pypi|pep691] [--seed S]`: writes a
 * synthetic PyPI-like corpus (src/ingest/corpus.ts), one JSON document per project, for tests and benchmarks.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { backfill, syntheticCorpus } from '../ingest/index.ts';
import type { BackfillProgress } from '../ingest/index.ts';
import { writeFileAtomic } from '../client/index.ts';
import { connect, note } from './common.ts';
import type { OnlineOptions } from './common.ts';
import { StamplogError } from '../base/index.ts';

export interface BackfillCliOptions extends OnlineOptions {
  state: string;
  batch: number;
  concurrency: number;
  progress: boolean;
}

const fmt = (n: number) => n.toLocaleString('en-US');

function progressLine(p: BackfillProgress): string {
  const secs = Math.max(p.elapsedMs, 1) / 1000;
  return (
    `backfill: ${fmt(p.records)} records read, ${fmt(p.acknowledged)} acknowledged (${fmt(p.appended)} new, ${fmt(p.duplicates)} already logged)` +
    `${p.resumed > 0 ? `, ${fmt(p.resumed)} resumed` : ''}${p.skipped > 0 ? `, ${fmt(p.skipped)} skipped` : ''}, ${fmt(Math.round(p.acknowledged / secs))}/s`
  );
}

export async function backfillCommand(sources: string[], opts: BackfillCliOptions): Promise<void> {
  const conn = await connect(opts);
  const abort = new AbortController();
  const stop = (signal: string) => {
    if (abort.signal.aborted) process.exit(130);
    note(`${signal}: stopping after the batches in flight (again to quit at once; the state file may then miss them, which only costs a re-send)`);
    abort.abort();
  };
  const onInt = () => stop('SIGINT');
  const onTerm = () => stop('SIGTERM');
  process.on('SIGINT', onInt).on('SIGTERM', onTerm);
  const tty = process.stderr.isTTY === true;
  note(`backfill into ${conn.info.origin} (${conn.client.url}); state file ${opts.state}`);
  let summary;
  try {
    summary = await backfill(conn.client, sources, {
      origin: conn.info.origin,
      policy: conn.policy,
      batchSize: opts.batch,
      concurrency: opts.concurrency,
      statePath: opts.state,
      signal: abort.signal,
      ...(opts.progress ? { onProgress: (p: BackfillProgress) => process.stderr.write(tty ? `\r\x1b[2K${progressLine(p)}` : `${progressLine(p)}\n`) } : {}),
    });
  } finally {
    process.off('SIGINT', onInt).off('SIGTERM', onTerm);
    if (tty && opts.progress) process.stderr.write('\n');
  }
  let consistency = 'no receipts in this run';
  if (summary.checkpoint !== undefined) {
    const o = await conn.store.observe(conn.info.origin, summary.checkpoint, (a, b) => conn.client.consistencyProof(a, b));
    consistency = `log size ${fmt(o.checkpoint.size)}, consistent with the trust store`;
  }
  for (const s of summary.skippedExamples) note(`skipped ${s.filename || '(no name)'} in ${s.source}: ${s.reason}`);
  const secs = summary.elapsedMs / 1000;
  console.log(
    `backfill: ${summary.interrupted ? 'INTERRUPTED' : 'done'}: ${fmt(summary.sources)} documents, ${fmt(summary.records)} records in ${fmt(summary.batches)} batches: ` +
      `${fmt(summary.appended)} new entries, ${fmt(summary.duplicates)} already logged, ${fmt(summary.resumed)} resumed from the state file, ` +
      `${fmt(summary.skipped)} skipped; ${fmt(Math.round(summary.acknowledged / Math.max(secs, 0.001)))} entries/s over ${secs.toFixed(1)} s; ${consistency}`,
  );
  if (summary.interrupted) {
    note('interrupted: run the same command again to resume');
    process.exitCode = 130;
  }
}

export interface CorpusOptions {
  files: number;
  out: string;
  perProject: number;
  format: string;
  seed: string;
}

export async function corpusCommand(opts: CorpusOptions): Promise<void> {
  if (opts.format !== 'pypi' && opts.format !== 'pep691') throw new StamplogError('MALFORMED', '--format: pypi or pep691');
  await mkdir(opts.out, { recursive: true });
  let docs = 0;
  for (const { name, doc } of syntheticCorpus({ files: opts.files, perProject: opts.perProject, seed: opts.seed, format: opts.format })) {
    await writeFileAtomic(join(opts.out, name), JSON.stringify(doc));
    docs++;
  }
  console.log(`corpus: ${fmt(opts.files)} file records in ${fmt(docs)} ${opts.format} documents under ${opts.out}`);
}
