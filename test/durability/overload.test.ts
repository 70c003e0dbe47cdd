/**
 * Overload (issue 3 acceptance): the real server with a small `--max-queue` is flooded with far more
 * concurrent appends than it can sequence. Some must be answered 503 + Retry-After (problem+json, PUSHBACK),
 * the sequencer's queue (`stamplog_queue_length` in /metrics) must never exceed the configured bound, the
 * process's resident memory must stay bounded, and every acknowledged entry must be in the final log (checked
 * like the crash test: receipts, tiles, inclusion and consistency proofs). The log keeps working afterwards.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { makeSubmission, startServer } from '../helpers/server.ts';
import type { ReceiptJSON, RunningServer } from '../helpers/server.ts';
import type { SubmissionJSON } from '../../src/leaf/types.ts';
import { CrashObserver } from './crashcheck.ts';

const MAX_QUEUE = 200;
/** Resident memory the server may use under this flood (its idle RSS is about 100 MB). */
const MAX_RSS_MB = 400;

/** The process's resident set size in MB, from /proc/<pid>/status (Linux). */
function rssMb(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  assert.ok(m, 'VmRSS in /proc/<pid>/status');
  return Number(m[1]) / 1024;
}

async function queueLength(srv: RunningServer): Promise<number> {
  const text = await (await fetch(`${srv.url}/metrics`)).text();
  const m = /^stamplog_queue_length (\d+)$/m.exec(text);
  assert.ok(m, 'stamplog_queue_length in /metrics');
  return Number(m[1]);
}

interface Outcome {
  status: number;
  retryAfter: string | null;
  contentType: string | null;
  body: unknown;
}

async function post(srv: RunningServer, path: string, body: unknown): Promise<Outcome> {
  const r = await fetch(`${srv.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${srv.token}` },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const text = await r.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = text;
  }
  return { status: r.status, retryAfter: r.headers.get('retry-after'), contentType: r.headers.get('content-type'), body: json };
}

describe('overload', () => {
  it(`answers 503 + Retry-After beyond --max-queue ${MAX_QUEUE}, stays bounded, loses no acknowledged entry`, { timeout: 120_000 }, async () => {
    const srv = await startServer({ extraArgs: ['--max-queue', String(MAX_QUEUE), '--batch-max', '64', '--batch-ms', '5'] });
    try {
      const observer = new CrashObserver(srv.logKey, srv.timestampKey);
      const salt = `overload-${Date.now()}`;
      const subs: SubmissionJSON[] = [];
      const next = () => {
        subs.push(makeSubmission(subs.length, { salt }));
        return subs.length - 1;
      };

      // Sample the queue and the memory while the flood runs.
      let sampling = true;
      let maxQueue = 0;
      let maxRss = rssMb(srv.pid);
      const idleRss = maxRss;
      let samples = 0;
      const sampler = (async () => {
        while (sampling) {
          maxQueue = Math.max(maxQueue, await queueLength(srv));
          maxRss = Math.max(maxRss, rssMb(srv.pid));
          samples++;
          await new Promise((r) => setTimeout(r, 10));
        }
      })();

      // The flood: 1,500 concurrent single appends and 30 concurrent batches of 100, in two waves.
      const counts = new Map<string, number>();
      const bad: string[] = [];
      const record = (what: string, o: Outcome, ids: number[]) => {
        counts.set(`${what} ${o.status}`, (counts.get(`${what} ${o.status}`) ?? 0) + 1);
        if (o.status === 201 || o.status === 200) {
          if (ids.length === 1 && what === 'single') observer.observeReceipt(o.body as ReceiptJSON, ids[0], subs[ids[0]], `single ${ids[0]}`);
          else (o.body as { receipts: ReceiptJSON[] }).receipts.forEach((rc, i) => observer.observeReceipt(rc, ids[i], subs[ids[i]], `batch [${i}]`));
        } else if (o.status === 503) {
          const code = (o.body as { code?: string }).code;
          if (code !== 'PUSHBACK' || !/^[1-9][0-9]*$/.test(o.retryAfter ?? '') || !/^application\/problem\+json/.test(o.contentType ?? '')) {
            bad.push(`503 without PUSHBACK problem+json and Retry-After: ${o.retryAfter} ${o.contentType} ${JSON.stringify(o.body)}`);
          }
        } else bad.push(`${what}: unexpected ${o.status} ${JSON.stringify(o.body)}`);
      };
      const t0 = Date.now();
      for (let wave = 0; wave < 2; wave++) {
        const singles = Array.from({ length: 750 }, async () => {
          const id = next();
          record('single', await post(srv, '/api/v1/entries', subs[id]), [id]);
        });
        const batches = Array.from({ length: 15 }, async () => {
          const ids = Array.from({ length: 100 }, next);
          record('batch', await post(srv, '/api/v1/entries/batch', { entries: ids.map((i) => subs[i]) }), ids);
        });
        await Promise.all([...singles, ...batches]);
      }
      const floodMs = Date.now() - t0;
      sampling = false;
      await sampler;

      const summary = `${[...counts].map(([k, v]) => `${k}: ${v}`).join(', ')}; ${observer.acked.size} acknowledged in ${floodMs} ms; queue ≤ ${maxQueue} (${samples} samples); RSS ${idleRss.toFixed(0)} → max ${maxRss.toFixed(0)} MB`;
      console.log(`overload: ${summary}`);
      assert.deepEqual(bad, [], summary);
      const pushedBack = (counts.get('single 503') ?? 0) + (counts.get('batch 503') ?? 0);
      assert.ok(pushedBack > 0, `some appends were pushed back (${summary})`);
      assert.ok(observer.acked.size > 0, `some appends were acknowledged (${summary})`);
      assert.ok(maxQueue <= MAX_QUEUE, `the queue stayed within --max-queue (${summary})`);
      assert.ok(samples >= 3, 'the queue was sampled during the flood');
      assert.ok(maxRss < MAX_RSS_MB, `resident memory stayed below ${MAX_RSS_MB} MB (${summary})`);

      // The log still works, and everything it acknowledged is in it.
      const after = await post(srv, '/api/v1/entries', makeSubmission(0, { salt: `${salt}-after` }));
      assert.equal(after.status, 201, JSON.stringify(after.body));
      await observer.checkFinal(srv, (i) => subs[i], { resubmit: 20 });
      assert.deepEqual(observer.violations, [], summary);
      const health = await fetch(`${srv.url}/healthz`);
      assert.equal(health.status, 200);
    } finally {
      await srv.kill();
    }
  });
});
