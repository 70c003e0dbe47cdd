/**
 * `stamplog append <file…> --project P --version V [--sign-key K] [--log URL] [--token T] [--policy F]`: the
 * upload hook. Hashes each file (streaming), optionally signs each statement with the publisher key K,
 * appends one `artifact` entry per file (one request; batches of ≤ 1,000 when there are several), verifies
 * every receipt (log signature — the key pinned on first use or the policy's — witness quorum, inclusion,
 * and that the logged entry is exactly the submission), proves the receipts' checkpoints consistent with the
 * trust store, and only then writes `<file>.tlog-proof` next to each file (atomically). Exit statuses: see
 * exit.ts (0 every file logged and verified; 2 usage; 3 server refused or unreachable; 11–13 a receipt did
 * not verify; 20 the log is inconsistent with what this client saw before).
 */
import { basename } from 'node:path';
import { signStatement, makeEntry } from '../leaf/index.ts';
import type { Submission } from '../leaf/index.ts';
import { hashFile, readStatementKey } from '../client/index.ts';
import type { StatementKey } from '../verify/index.ts';
import { tagged } from '../verify/index.ts';
import { connect, submit, writeReceipts } from './common.ts';
import type { OnlineOptions } from './common.ts';

export interface AppendOptions extends OnlineOptions {
  project: string;
  version: string;
  signKey?: string;
}

/** The submission for `file`, signed with `key` if given (tagged `usage` if the fields are invalid). */
export async function artifactSubmission(file: string, project: string, version: string, key?: StatementKey): Promise<Submission> {
  const { sha256, size } = await hashFile(file);
  const base: Submission = { kind: 'artifact', subject: { project, version, filename: basename(file), sha256, size } };
  tagged('usage', file, () => makeEntry(base, 0)); // the log's rules, checked before anything is sent
  if (key === undefined) return base;
  return tagged('usage', file, () => ({ ...base, sig: signStatement(key.seed, base) }));
}

export async function appendFiles(files: string[], opts: AppendOptions): Promise<void> {
  const key = opts.signKey === undefined ? undefined : await readStatementKey(opts.signKey);
  // Hash a few files at a time: a release can have hundreds of files, and each hash holds a descriptor.
  const subs: Submission[] = new Array<Submission>(files.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < files.length; i = next++) subs[i] = await artifactSubmission(files[i], opts.project, opts.version, key);
  };
  await Promise.all(Array.from({ length: Math.min(8, files.length) }, worker));
  const conn = await connect(opts);
  const done = await submit(conn, subs);
  await writeReceipts(done.map((d, i) => ({ path: `${files[i]}.tlog-proof`, proof: d.json.proof })));
  done.forEach((d, i) => {
    const signed = key === undefined ? '' : ` signed by ${key.name}`;
    console.log(`${d.json.duplicate ? 'already logged' : 'logged'} ${files[i]} at index ${d.verified.index}${signed}; receipt ${files[i]}.tlog-proof`);
  });
}
