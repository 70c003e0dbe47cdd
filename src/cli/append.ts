/**
 * `stamplog append <file…> --project P --version V [--log URL] [--token T]`: the upload hook. Hashes each
 * file (streaming), appends one `artifact` entry per file (one request; the batch endpoint when there are
 * several), verifies every receipt against the log key the server announces, and writes `<file>.tlog-proof`
 * next to each file. Exit status 0 only when every file was logged and its receipt verified.
 */
import { writeFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { StamplogError } from '../errors.ts';
import { toHex } from '../leaf/codec.ts';
import { verifyReceipt } from '../client/receipt.ts';
import { parsePolicy } from '../note/policy.ts';
import { hashFile } from './verify.ts';

export interface AppendOptions {
  project: string;
  version: string;
  log: string;
  token?: string;
}

interface ReceiptJSON {
  index: number;
  proof: string;
  duplicate?: boolean;
}

async function call(url: string, init: RequestInit): Promise<unknown> {
  let res: Response;
  try {
    res = await fetch(url, init);
  } catch (e) {
    throw new StamplogError('INTERNAL', `cannot reach ${url}: ${(e as Error).message}`);
  }
  const body = (await res.json().catch(() => ({}))) as { detail?: string };
  if (!res.ok) throw new StamplogError('INTERNAL', `${url}: HTTP ${res.status}: ${body.detail ?? 'no detail'}`);
  return body;
}

export async function appendFiles(files: string[], opts: AppendOptions): Promise<void> {
  const token = opts.token ?? process.env.STAMPLOG_TOKEN;
  if (!token) throw new StamplogError('UNAUTHORIZED', 'a submitter token is required: --token or STAMPLOG_TOKEN');
  const base = opts.log.replace(/\/+$/, '');
  const info = (await call(`${base}/api/v1/log`, {})) as { logKey: string };
  const policy = parsePolicy(`log ${info.logKey}\nquorum none\n`);
  const subs = await Promise.all(
    files.map(async (f) => {
      const { sha256, size } = await hashFile(f);
      return { kind: 'artifact', subject: { project: opts.project, version: opts.version, filename: basename(f), sha256: toHex(sha256), size } };
    }),
  );
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const receipts: ReceiptJSON[] =
    subs.length === 1
      ? [(await call(`${base}/api/v1/entries`, { method: 'POST', headers, body: JSON.stringify(subs[0]) })) as ReceiptJSON]
      : ((await call(`${base}/api/v1/entries/batch`, { method: 'POST', headers, body: JSON.stringify({ entries: subs }) })) as { receipts: ReceiptJSON[] }).receipts;
  for (let i = 0; i < files.length; i++) {
    const r = receipts[i];
    const verified = verifyReceipt(r.proof, policy);
    if (toHex(verified.entry.subject.sha256) !== subs[i].subject.sha256) {
      throw new StamplogError('PROOF_MISMATCH', `${files[i]}: the receipt is for another digest`);
    }
    await writeFile(`${files[i]}.tlog-proof`, r.proof);
    console.log(`${r.duplicate ? 'already logged' : 'logged'} ${files[i]} at index ${r.index}; receipt ${files[i]}.tlog-proof`);
  }
}
