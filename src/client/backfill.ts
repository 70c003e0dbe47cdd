/**
 * Backfill: ingest an index's existing history (pypi.ts records) through the batch endpoint, resumably.
 *
 * Records are numbered in source order and cut into batches of `batchSize` (≤ 1,000); batch n is always
 * records [n·size, (n+1)·size) of the same inputs. Up to `concurrency` batches are in flight. Every receipt
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
 * Receipts are checked on a fast path that proves the same thing as receipt.ts at a fraction of the cost (a
 * backfill verifies tens of thousands a second): the checkpoint note is verified strictly once per distinct
 * note text; for each receipt whose note is such a verified text, the leaf the log must have written is
 * ENCODED from the record and the receipt's time (deterministic CBOR, DESIGN §3), compared byte for byte with
 * the receipt's leaf, and proven included under the checkpoint (merkle InclusionVerifier: the answer of
 * verifyInclusion, without re-hashing the path consecutive leaves share). Anything else (another note, other leaf
 * bytes) goes through the full verifier, whose error names what failed.
 *
 *     { "format": "stamplog-backfill-state/v1", "batchSize": 1000, "origin": "…",
 *       "done": ["9f86d081884c7d65", "", …], "appended": 123000, "duplicates": 0 }
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fromBase64 } from '../bytes.ts';
import { dedupKey, encodeLeaf, makeEntry } from '../leaf/entry.ts';
import type { Submission } from '../leaf/types.ts';
import { leafHash } from '../merkle/hash.ts';
import { InclusionVerifier } from '../merkle/verify.ts';
import type { Checkpoint } from '../note/checkpoint.ts';
import type { Policy } from '../note/policy.ts';
import { TLOG_PROOF_HEADER, parseTlogProof } from '../note/tlogproof.ts';
import { receiptCheck } from './artifact.ts';
import { failure, tagged } from './failure.ts';
import { writeFileAtomic } from './files.ts';
import type { LogClient, ReceiptJSON } from './http.ts';
import { readDocuments, recordsFromDocument } from './pypi.ts';
import type { BackfillRecord, Skipped } from './pypi.ts';
import { receiptVerifier } from './receipt.ts';

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
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return fresh;
    throw e;
  }
  let s: BackfillState;
  try {
    s = JSON.parse(text) as BackfillState;
  } catch (e) {
    throw failure('usage', 'MALFORMED', `state file ${path} is not JSON; remove it to start over`, { cause: e });
  }
  if (s.format !== STATE_FORMAT || !Array.isArray(s.done) || typeof s.appended !== 'number' || typeof s.duplicates !== 'number') {
    throw failure('usage', 'MALFORMED', `state file ${path} is not a ${STATE_FORMAT} file; remove it to start over`);
  }
  if (s.origin !== origin) throw failure('usage', 'CONFLICT', `state file ${path} belongs to the log ${s.origin}, not ${origin}`);
  if (s.batchSize !== batchSize) throw failure('usage', 'CONFLICT', `state file ${path} was written with batches of ${s.batchSize}; use --batch ${s.batchSize}`);
  return s;
}

const INDEX_LINE = /^index (0|[1-9][0-9]{0,15})$/;

/**
 * A checker of receipts for records (see the module comment): resolves with the checkpoint the receipt is
 * proven against, or throws a tagged failure.
 */
export function receiptChecker(policy: Policy, origin: string): (r: ReceiptJSON, sub: Submission, what: string) => Checkpoint {
  const full = receiptVerifier(policy, { origin });
  // Per verified note: its checkpoint; an InclusionVerifier that proves a batch's consecutive leaves without
  // re-hashing the path they share; and the proof lines decoded so far (consecutive receipts repeat most of
  // theirs, and the same line then gives the same bytes object, which the verifier compares by identity first).
  interface Verified {
    note: string;
    cp: Checkpoint;
    proofs: InclusionVerifier;
    lines: Map<string, Uint8Array | undefined>;
  }
  const verified = new Map<string, Verified>();
  let last: Verified | undefined;
  const slow = (r: ReceiptJSON, sub: Submission, what: string): Checkpoint => {
    const v = tagged(receiptCheck, what, () => full(r.proof));
    if (dedupKey(v.entry) !== dedupKey(sub)) throw failure('proof', 'PROOF_MISMATCH', `${what}: the receipt proves another entry (index ${v.index})`);
    if (verified.size > 64) verified.clear();
    const note = parseTlogProof(r.proof).note;
    verified.set(note, { note, cp: v.checkpoint, proofs: new InclusionVerifier(v.checkpoint.size, v.checkpoint.rootHash), lines: new Map() });
    return v.checkpoint;
  };
  return (r, sub, what) => {
    const at = r.proof.indexOf('\n\n');
    let known: Verified | undefined;
    if (at >= 0) {
      // The receipts of one batch share their note: compare with the last one before slicing and hashing it.
      if (last !== undefined && r.proof.length - at - 2 === last.note.length && r.proof.endsWith(last.note)) known = last;
      else known = last = verified.get(r.proof.slice(at + 2));
    }
    if (known === undefined || typeof r.entry.time !== 'number') return slow(r, sub, what);
    const cp = known.cp;
    const lines = r.proof.slice(0, at).split('\n');
    const m = lines.length >= 3 && lines.length <= 3 + 63 && lines[0] === TLOG_PROOF_HEADER && lines[1].startsWith('extra ') ? INDEX_LINE.exec(lines[2]) : null;
    const extra = m === null ? undefined : fromBase64(lines[1].slice(6));
    const decoded = known.lines;
    if (decoded.size > 100_000) decoded.clear();
    const hashes = lines.slice(3).map((l) => {
      let h = decoded.get(l);
      if (h === undefined && !decoded.has(l)) decoded.set(l, (h = fromBase64(l, 32)));
      return h;
    });
    if (m === null || extra === undefined || hashes.some((h) => h === undefined)) return slow(r, sub, what);
    let expected: Uint8Array;
    try {
      expected = encodeLeaf(makeEntry(sub, r.entry.time));
    } catch {
      return slow(r, sub, what);
    }
    if (!Buffer.from(expected).equals(Buffer.from(extra))) return slow(r, sub, what);
    const index = Number(m[1]);
    tagged('proof', `${what}: inclusion proof`, () => known.proofs.verify(leafHash(expected), index, hashes as Uint8Array[]));
    return cp;
  };
}

function batchHash(records: readonly BackfillRecord[]): string {
  const h = createHash('sha256');
  for (const r of records) h.update(JSON.stringify(r.json)).update('\n');
  return h.digest('hex').slice(0, 16);
}

/** Ingests the records of `sources` into the log behind `client`; see the module comment. */
export async function backfill(client: LogClient, sources: readonly string[], opts: BackfillOptions): Promise<BackfillSummary> {
  const batchSize = opts.batchSize ?? 1000;
  if (!(batchSize >= 1 && batchSize <= 1000)) throw failure('usage', 'MALFORMED', 'batch size: 1 to 1,000');
  const concurrency = Math.max(1, opts.concurrency ?? 4);
  const now = opts.now ?? Date.now;
  const started = now();
  const state = await loadState(opts.statePath, opts.origin, batchSize);
  const check = receiptChecker(opts.policy, opts.origin);

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
    const hash = batchHash(records);
    if (state.done[n] === hash) {
      p.resumed += records.length;
      return;
    }
    const receipts = await client.appendBatch(records.map((r) => r.json));
    receipts.forEach((r, i) => {
      const cp = check(r, records[i].sub, `batch ${n}: the receipt for ${records[i].json.subject.filename}`);
      if (largest === undefined || cp.size > largest.size) largest = { size: cp.size, note: parseTlogProof(r.proof).note };
      if (r.duplicate) p.duplicates++;
      else p.appended++;
    });
    p.acknowledged += records.length;
    while (state.done.length < n) state.done.push('');
    state.done[n] = hash;
    state.appended += receipts.filter((r) => !r.duplicate).length;
    state.duplicates += receipts.filter((r) => r.duplicate).length;
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
