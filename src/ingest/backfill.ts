/**
 * Backfill: ingest an index's existing history (pypi.ts records) through the batch endpoint, resumably.
 *
 * Records are numbered in source order and cut into batches of `batchSize` (≤ 1,000); batch n is always
 * records [n·size, (n+1)·size) of the same inputs. Up to `concurrency` batches are in flight. Every answer
 * is verified (checkpoint signed by the policy's log — each distinct checkpoint once — inclusion, and the
 * logged entry is exactly the record); at the end the largest checkpoint seen is proven consistent with the
 * trust store.
 *
 * The state file records what the log acknowledged: for each acknowledged batch number, the first 16 hex
 * digits of SHA-256 over the batch's submissions. A later run skips batch n only if its content hashes to
 * the recorded value, so changed inputs are re-sent rather than silently skipped. The file is replaced
 * atomically, at most every `saveEveryMs` and at the end (and on interruption). Losing the latest saves
 * costs nothing but time: a re-sent batch is deduplicated by the log (answered `duplicate`, no new leaf).
 *
 *     { "format": "stamplog-backfill-state/v1", "batchSize": 1000, "origin": "…",
 *       "done": ["9f86d081884c7d65", "", …], "appended": 123000, "duplicates": 0 }
 *
 * Batches are sent asking for the multi-proof answer (`?receipts=multiproof`): one signed checkpoint and one
 * multi-leaf inclusion proof for the whole batch instead of a whole receipt each: the same facts, proven with
 * a fraction of the bytes and work. The checkpoint note is verified against the policy once per distinct
 * note; for each record, the leaf the log must have written is ENCODED from the record and the log's time
 * (deterministic CBOR, DESIGN §3) — or, for a duplicate, the earlier leaf the log sends is decoded strictly and
 * must be the same submission — and the leaves' hashes must lead through the proof to the checkpoint's root.
 */
import { createHash } from 'node:crypto';
import { dedupKey, decodeLeaf, encodeLeaf, makeEntry } from '../leaf/index.ts';
import type { Submission } from '../leaf/index.ts';
import { hashEqual, leafHash, verifyMultiInclusion } from '../merkle/index.ts';
import type { Checkpoint, Policy } from '../note/index.ts';
import { verifyCheckpointWithPolicy } from '../note/index.ts';
import { receiptCheck, failure, tagged } from '../verify/index.ts';
import { readJSONIfExists, writeFileAtomic } from '../client/index.ts';
import type { LogClient, MultiproofAnswer } from '../client/index.ts';
import { readDocuments, recordsFromDocument } from './pypi.ts';
import type { BackfillRecord, Skipped } from './pypi.ts';

export const STATE_FORMAT = 'stamplog-backfill-state/v1';

export interface BackfillState {
  format: typeof STATE_FORMAT;
  batchSize: number;
  origin: string;
  done: string[];
  appended: number;
  duplicates: number;
}

export interface BackfillProgress {
  /** Records read from the sources so far. */
  records: number;
  /** Records in batches acknowledged by the log in this run. */
  acknowledged: number;
  /** Records in batches skipped because an earlier run had them acknowledged. */
  resumed: number;
  /** New entries / entries the log already had, in this run. */
  appended: number;
  duplicates: number;
  skipped: number;
  elapsedMs: number;
}

export interface BackfillSummary extends BackfillProgress {
  sources: number;
  batches: number;
  /** Skipped records (no digest, size, version, or invalid), first 20 with reasons. */
  skippedExamples: Skipped[];
  /** The largest checkpoint note seen (proven consistent with the trust store by the caller). */
  checkpoint?: string;
  /** True when stopped by the signal before the end. */
  interrupted: boolean;
}

export interface BackfillOptions {
  origin: string;
  policy: Policy;
  batchSize?: number;
  concurrency?: number;
  /** Path of the state file (none: not resumable). */
  statePath?: string;
  saveEveryMs?: number;
  progressEveryMs?: number;
  onProgress?: (p: BackfillProgress) => void;
  /** Aborting stops sending new batches; in-flight batches complete and the state is saved. */
  signal?: AbortSignal;
  /** The clock, for progress and rates. */
  now?: () => number;
}

/** Reads the state file at `path` (a fresh state if it does not exist). */
export async function loadState(path: string | undefined, origin: string, batchSize: number): Promise<BackfillState> {
  const fresh: BackfillState = { format: STATE_FORMAT, batchSize, origin, done: [], appended: 0, duplicates: 0 };
  if (path === undefined) return fresh;
  const j = await readJSONIfExists(path, 'state file ', 'remove it to start over');
  if (j === undefined) return fresh;
  const s = j as BackfillState;
  if (s.format !== STATE_FORMAT || !Array.isArray(s.done) || typeof s.appended !== 'number' || typeof s.duplicates !== 'number') {
    throw failure('usage', 'MALFORMED', `state file ${path} is not a ${STATE_FORMAT} file; remove it to start over`);
  }
  if (s.origin !== origin) throw failure('usage', 'CONFLICT', `state file ${path} belongs to the log ${s.origin}, not ${origin}`);
  if (s.batchSize !== batchSize) throw failure('usage', 'CONFLICT', `state file ${path} was written with batches of ${s.batchSize}; use --batch ${s.batchSize}`);
  return s;
}

/**
 * A checker of multi-proof answers for batches of records (see the module comment): returns the checkpoint the
 * batch is proven against, or throws a tagged failure naming what failed.
 */
export function multiproofChecker(policy: Policy, origin: string): (a: MultiproofAnswer, subs: readonly Submission[], what: string) => Checkpoint {
  const notes = new Map<string, Checkpoint>();
  return (a, subs, what) => {
    let cp = notes.get(a.checkpoint);
    if (cp === undefined) {
      cp = tagged(receiptCheck, `${what}: checkpoint`, () => verifyCheckpointWithPolicy(policy, a.checkpoint, { origin }).checkpoint);
      if (notes.size >= 64) notes.clear();
      notes.set(a.checkpoint, cp);
    }
    const byIndex = new Map<number, Uint8Array>();
    a.entries.forEach((e, i) => {
      const sub = subs[i];
      let leaf: Uint8Array;
      if (e.leaf !== undefined) {
        const logged = e.leaf;
        const entry = tagged('proof', `${what}: the leaf at index ${e.index}`, () => decodeLeaf(logged));
        if (dedupKey(entry) !== dedupKey(sub)) {
          throw failure('proof', 'PROOF_MISMATCH', `${what}: the log answered another entry (index ${e.index}) for ${sub.subject.filename}`);
        }
        leaf = logged;
      } else {
        leaf = tagged('proof', `${what}: the entry for ${sub.subject.filename}`, () => encodeLeaf(makeEntry(sub, e.time)));
      }
      const hash = leafHash(leaf);
      const seen = byIndex.get(e.index);
      if (seen !== undefined && !hashEqual(seen, hash)) throw failure('proof', 'PROOF_MISMATCH', `${what}: two different entries answered at index ${e.index}`);
      byIndex.set(e.index, hash);
    });
    const indexes = [...byIndex.keys()].sort((x, y) => x - y);
    const hashes = indexes.map((i) => byIndex.get(i) as Uint8Array);
    const size = cp.size;
    const root = cp.rootHash;
    tagged('proof', what, () => verifyMultiInclusion(indexes, hashes, size, a.proof, root));
    return cp;
  };
}

/** The state file's hash of a batch whose submissions' JSON texts are `texts`: SHA-256 over each text and "\n". */
function batchHash(texts: readonly string[]): string {
  return createHash('sha256').update(`${texts.join('\n')}\n`).digest('hex').slice(0, 16);
}

/** Ingests the records of `sources` into the log behind `client`; see the module comment. */
export async function backfill(client: LogClient, sources: readonly string[], opts: BackfillOptions): Promise<BackfillSummary> {
  const batchSize = opts.batchSize ?? 1000;
  if (!(batchSize >= 1 && batchSize <= 1000)) throw failure('usage', 'MALFORMED', 'batch size: 1 to 1,000');
  const concurrency = Math.max(1, opts.concurrency ?? 8);
  const now = opts.now ?? Date.now;
  const started = now();
  const state = await loadState(opts.statePath, opts.origin, batchSize);
  const check = multiproofChecker(opts.policy, opts.origin);

  const p: BackfillProgress = { records: 0, acknowledged: 0, resumed: 0, appended: 0, duplicates: 0, skipped: 0, elapsedMs: 0 };
  const skippedExamples: Skipped[] = [];
  let sourceCount = 0;
  let batches = 0;
  let largest: { size: number; note: string } | undefined;

  // Saving: one write at a time; a request during a write schedules one more.
  let saving: Promise<void> | undefined;
  let again = false;
  let lastSave = 0;
  const save = async (): Promise<void> => {
    if (opts.statePath === undefined) return;
    if (saving !== undefined) {
      again = true;
      return saving;
    }
    const path = opts.statePath;
    saving = (async () => {
      do {
        again = false;
        lastSave = now();
        await writeFileAtomic(path, JSON.stringify(state) + '\n');
      } while (again);
    })().finally(() => {
      saving = undefined;
    });
    return saving;
  };

  // The batches, in order, produced lazily from the sources.
  async function* batchesOf(): AsyncGenerator<{ n: number; records: BackfillRecord[] }> {
    let buf: BackfillRecord[] = [];
    let n = 0;
    for await (const { source, doc } of readDocuments(sources)) {
      sourceCount++;
      const parsed = recordsFromDocument(doc, source);
      p.skipped += parsed.skipped.length;
      for (const s of parsed.skipped) if (skippedExamples.length < 20) skippedExamples.push(s);
      for (const r of parsed.records) {
        p.records++;
        buf.push(r);
        if (buf.length === batchSize) {
          yield { n: n++, records: buf };
          buf = [];
        }
      }
    }
    if (buf.length > 0) yield { n, records: buf };
  }

  const send = async (n: number, records: BackfillRecord[]): Promise<void> => {
    // Each submission's JSON once: hashed for the state file, and joined into the body only if the batch is sent.
    const texts = records.map((r) => JSON.stringify(r.json));
    const hash = batchHash(texts);
    if (state.done[n] === hash) {
      p.resumed += records.length;
      return;
    }
    const answer = await client.appendBatchMultiproof(`{"entries":[${texts.join(',')}]}`, records.length);
    const cp = check(
      answer,
      records.map((r) => r.sub),
      `batch ${n}`,
    );
    if (largest === undefined || cp.size > largest.size) largest = { size: cp.size, note: answer.checkpoint };
    let duplicates = 0;
    for (const e of answer.entries) if (e.duplicate) duplicates++;
    p.appended += records.length - duplicates;
    p.duplicates += duplicates;
    p.acknowledged += records.length;
    while (state.done.length < n) state.done.push('');
    state.done[n] = hash;
    state.appended += records.length - duplicates;
    state.duplicates += duplicates;
    if (now() - lastSave >= (opts.saveEveryMs ?? 500)) void save();
  };

  const progressTimer =
    opts.onProgress === undefined
      ? undefined
      : setInterval(() => opts.onProgress?.({ ...p, elapsedMs: now() - started }), opts.progressEveryMs ?? 1000);
  const gen = batchesOf();
  let failed: unknown;
  const worker = async () => {
    while (failed === undefined && opts.signal?.aborted !== true) {
      let next: IteratorResult<{ n: number; records: BackfillRecord[] }>;
      try {
        next = await gen.next();
      } catch (e) {
        failed ??= e;
        return;
      }
      if (next.done === true) return;
      batches++;
      try {
        await send(next.value.n, next.value.records);
      } catch (e) {
        failed ??= e;
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    if (progressTimer !== undefined) clearInterval(progressTimer);
    await saving;
    await save();
  }
  if (failed !== undefined) throw failed;
  const summary: BackfillSummary = {
    ...p,
    elapsedMs: now() - started,
    sources: sourceCount,
    batches,
    skippedExamples,
    interrupted: opts.signal?.aborted === true,
  };
  if (largest !== undefined) summary.checkpoint = largest.note;
  return summary;
}
