/**
 * What the online commands share: connecting to a log under trust on first use, and submitting entries
 * whose receipts are verified, checked for consistency with the trust store, and written atomically.
 */
import { readFile } from 'node:fs/promises';
import { StamplogError } from '../base/index.ts';
import { dedupKey, submissionToJSON } from '../leaf/index.ts';
import type { Submission } from '../leaf/index.ts';
import { parsePolicy } from '../note/index.ts';
import type { Policy } from '../note/index.ts';
import { receiptCheck, failure, tagged, receiptVerifier } from '../verify/index.ts';
import { writeFileAtomic, LogClient, TrustStore } from '../client/index.ts';
import type { LogInfo, ReceiptJSON } from '../client/index.ts';
import type { VerifiedReceipt } from '../verify/index.ts';

export const DEFAULT_LOG_URL = 'http://127.0.0.1:8080';
/** Most submissions per batch request (the server's limit). */
export const BATCH_MAX = 1000;

export interface OnlineOptions {
  log?: string;
  token?: string;
  policy?: string;
}

/** Prints a note for a person on stderr. */
export function note(message: string): void {
  process.stderr.write(`stamplog: ${message}\n`);
}

/** Reads and parses a policy file (tagged `usage` on failure). */
export async function readPolicy(path: string): Promise<Policy> {
  const text = await readFile(path);
  return tagged('usage', `policy ${path}`, () => parsePolicy(text));
}

/** A connected log: its client, the trust store, what it announced, and the policy receipts must meet. */
export interface Connection {
  client: LogClient;
  store: TrustStore;
  info: LogInfo;
  policy: Policy;
}

/**
 * Connects to the log: pins its key on first use (or checks it against the pin), and builds the policy
 * receipts must satisfy — the `--policy` file when given (which must list the log), else the pinned key
 * with no witness quorum.
 */
export async function connect(opts: OnlineOptions): Promise<Connection> {
  const client = new LogClient(opts.log ?? process.env.STAMPLOG_LOG ?? DEFAULT_LOG_URL, { token: opts.token ?? process.env.STAMPLOG_TOKEN });
  const store = new TrustStore();
  const policy = opts.policy === undefined ? undefined : await readPolicy(opts.policy);
  const info = await client.info();
  if (policy !== undefined && !policy.logs.some((l) => l.key.name === info.origin)) {
    throw failure('log-signature', 'UNVERIFIED', `the log at ${client.url} has origin ${info.origin}, for which the policy lists no log`);
  }
  const { logKey, firstUse } = await store.pinKey(info.origin, info.logKey);
  if (firstUse) {
    note(`pinned the key of the log ${info.origin} on first use: ${logKey}`);
    note(`compare it with the key the log's operator publishes; later runs refuse any other key (trust store ${store.dir})`);
  }
  return { client, store, info, policy: policy ?? parsePolicy(`log ${logKey}\nquorum none\n`) };
}

/** A verified receipt together with the submission it answers. */
export interface Submitted {
  sub: Submission;
  json: ReceiptJSON;
  verified: VerifiedReceipt;
}

/**
 * Appends `subs` (one request, or batches of ≤ 1,000), verifies every receipt against the policy, checks
 * that each logged entry is the submission (same kind, subject, claims, verdict, signer), and proves every
 * receipt checkpoint consistent with the trust store. Resolves only when all of that holds.
 */
export async function submit(conn: Connection, subs: readonly Submission[]): Promise<Submitted[]> {
  if (subs.length === 0) throw new StamplogError('MALFORMED', 'nothing to submit');
  const verify = receiptVerifier(conn.policy, { origin: conn.info.origin });
  const out: Submitted[] = [];
  for (let at = 0; at < subs.length; at += BATCH_MAX) {
    const chunk = subs.slice(at, at + BATCH_MAX);
    const json = chunk.length === 1 ? [await conn.client.append(submissionToJSON(chunk[0]))] : await conn.client.appendBatch(chunk.map(submissionToJSON));
    chunk.forEach((sub, i) => {
      const verified = tagged(receiptCheck, `the receipt for ${sub.subject.filename}`, () => verify(json[i].proof));
      if (dedupKey(verified.entry) !== dedupKey(sub)) {
        throw failure('proof', 'PROOF_MISMATCH', `the receipt for ${sub.subject.filename} proves another entry (index ${verified.index}) than the one submitted`);
      }
      out.push({ sub, json: json[i], verified });
    });
  }
  const notes = [...new Set(out.map((s) => parseNoteOf(s.json.proof)))];
  for (const n of notes) await conn.store.observe(conn.info.origin, n, (a, b) => conn.client.consistencyProof(a, b));
  return out;
}

/** The checkpoint note at the end of a tlog-proof (after its first empty line). */
function parseNoteOf(proof: string): string {
  const at = proof.indexOf('\n\n');
  return proof.slice(at + 2);
}

/** Writes each receipt to its path atomically. */
export async function writeReceipts(items: readonly { path: string; proof: string }[]): Promise<void> {
  for (const { path, proof } of items) await writeFileAtomic(path, proof);
}
