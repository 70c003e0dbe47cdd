/**
 * What the two HTTP paths for appends (the express app and the node:http fast path, fastappend.ts) share, so
 * that they cannot answer differently: admission (parse, check, verify publisher signatures, all before
 * sequencing) and the answer (status and JSON text).
 */
import { StamplogError, duplicateMemberName } from '../base/index.ts';
import { badPublisherSignature, parseSubmission, publisherSignatureJob, verifySubmissionSignature } from '../leaf/index.ts';
import type { Submission } from '../leaf/index.ts';
import type { TransparencyLog } from '../log/index.ts';
import type { Metrics } from './metrics.ts';
import type { AsyncSignatureVerifier } from './sigpool.ts';

/** The most submissions in one batch request. */
export const BATCH_MAX = 1000;

/**
 * Refuses a request body (JSON text that parsed) in which one object names a member twice: JSON.parse kept the
 * last value, another reader would keep the first (json.ts duplicateMemberName).
 */
export function refuseDuplicateMembers(text: string): void {
  const name = duplicateMemberName(text);
  if (name !== undefined) {
    throw new StamplogError('MALFORMED', `request body: the member name ${JSON.stringify(name.length > 64 ? `${name.slice(0, 64)}…` : name)} appears twice in one object`);
  }
}

/** Parses and checks one submission, including its publisher signature (before it may become a leaf). */
export function admitSubmission(json: unknown): Submission {
  const sub = parseSubmission(json);
  verifySubmissionSignature(sub);
  return sub;
}

/** An admitted submission, and the check of its publisher signature if that is still running. */
export interface Admitted {
  sub: Submission;
  /** Rejects with INVALID_SIGNATURE if the signature does not verify; the log sequences `sub` only after it. */
  check?: Promise<void>;
}

/**
 * Admission of one submission: parsed and checked here (throwing as {@link admitSubmission} does), its
 * publisher signature's Ed25519 equation run by `verify` (worker threads, sigpool.ts) while the submission
 * waits in the log's queue, or on this thread without `verify`. The same answers and the same errors.
 */
export function submissionAdmitter(verify: AsyncSignatureVerifier | undefined): (json: unknown) => Admitted {
  if (verify === undefined) return (json) => ({ sub: admitSubmission(json) });
  return (json) => {
    const sub = parseSubmission(json);
    const job = publisherSignatureJob(sub);
    if (job === undefined) return { sub };
    return {
      sub,
      check: verify(job).then((ok) => {
        if (!ok) throw badPublisherSignature();
      }),
    };
  };
}

/**
 * Admission of a batch body `{"entries": [ …submissions… ]}` (1 to BATCH_MAX), all or nothing: every position
 * is checked, and one bad submission refuses the whole batch with a problem listing each invalid position
 * (INVALID_SIGNATURE when only signatures failed, MALFORMED otherwise). Signature equations run on `verify`
 * (all of the batch's at once) or, without it, on this thread.
 */
export function batchAdmitter(verify: AsyncSignatureVerifier | undefined): (body: unknown) => Promise<Submission[]> {
  return async (body) => {
    if (typeof body !== 'object' || body === null || Array.isArray(body) || Object.keys(body).some((k) => k !== 'entries')) {
      throw new StamplogError('MALFORMED', 'expected {"entries": [ …submissions… ]}');
    }
    const entries = (body as { entries?: unknown }).entries;
    if (!Array.isArray(entries) || entries.length === 0) throw new StamplogError('MALFORMED', 'entries: expected a non-empty array');
    if (entries.length > BATCH_MAX) throw new StamplogError('TOO_LARGE', `entries: at most ${BATCH_MAX} submissions per batch`);
    const problems: { index: number; code: string; detail: string; problems?: unknown }[] = [];
    const report = (index: number, e: unknown) => {
      const err = e instanceof StamplogError ? e : new StamplogError('MALFORMED', 'invalid submission');
      problems.push({ index, code: err.code, detail: err.message, problems: err.details?.problems });
    };
    // Parse everything here (cheap, synchronous); only the Ed25519 equations of signed entries go to the
    // workers, all at once.
    const admitted: Submission[] = [];
    const jobs: Promise<void>[] = [];
    entries.forEach((json, index) => {
      try {
        const sub = parseSubmission(json);
        admitted.push(sub);
        const job = publisherSignatureJob(sub);
        if (job === undefined) return;
        if (verify === undefined) verifySubmissionSignature(sub);
        else jobs.push(verify(job).then((ok) => (ok ? undefined : report(index, badPublisherSignature()))));
      } catch (e) {
        report(index, e);
      }
    });
    await Promise.all(jobs);
    problems.sort((a, b) => a.index - b.index);
    if (problems.length > 0) {
      const code = problems.every((p) => p.code === 'INVALID_SIGNATURE') ? 'INVALID_SIGNATURE' : 'MALFORMED';
      throw new StamplogError(code, `${problems.length} of ${entries.length} submissions are invalid; nothing was logged`, {
        details: { problems },
      });
    }
    return admitted;
  };
}

/** An append's answer: its status and its JSON body (ASCII text or its bytes; Content-Type application/json). */
export interface AppendAnswer {
  status: number;
  body: string | Uint8Array;
}

/** The Content-Type of every append answer. */
export const APPEND_CONTENT_TYPE = 'application/json; charset=utf-8';

/** Appends one admitted submission: 201 with its receipt, or 200 with the original's for a duplicate. */
export async function appendOne(log: TransparencyLog, metrics: Metrics, admitted: Admitted): Promise<AppendAnswer> {
  const { body, duplicates } = await log.append([admitted.sub], { receipts: 'receipt', check: admitted.check });
  metrics.appended(1 - duplicates, duplicates);
  return { status: duplicates > 0 ? 200 : 201, body };
}

/**
 * How a batch append answers: `receipts` (the default), a receipt for each submission; `multiproof`, one checkpoint
 * and one multi-leaf inclusion proof for all of them (src/receipts/multiproof.ts).
 */
export type BatchForm = 'receipts' | 'multiproof';

/** The query string of the batch endpoint that asks for the multi-proof form, as the fast path matches it. */
export const MULTIPROOF_QUERY = '?receipts=multiproof';

/**
 * The answer form a batch request's query string (`search`, with or without its "?") asks for: none, or exactly
 * `receipts=receipts|multiproof` once. Anything else is refused (MALFORMED) before the body is looked at.
 */
export function batchForm(search: string): BatchForm {
  const params = new URLSearchParams(search);
  const keys = [...params.keys()];
  if (keys.length === 0) return 'receipts';
  const value = params.get('receipts');
  if (keys.length !== 1 || (value !== 'receipts' && value !== 'multiproof')) {
    throw new StamplogError('MALFORMED', 'the batch endpoint takes one query parameter, receipts=receipts|multiproof');
  }
  return value;
}

/** Appends an admitted batch: 200 with `{"receipts": [ … ]}` in order, or the multi-proof form. */
export async function appendBatch(log: TransparencyLog, metrics: Metrics, subs: Submission[], form: BatchForm = 'receipts'): Promise<AppendAnswer> {
  const { body, count, duplicates } = await log.append(subs, { receipts: form });
  metrics.appended(count - duplicates, duplicates);
  return { status: 200, body };
}
