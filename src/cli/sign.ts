/**
 * `stamplog sign <file> --sign-key K [--project P --version V] [--filename N]` and
 * `stamplog vet <file> --verdict V --sign-key K [...]`: a publisher's signature (a `signature` entry) or a
 * vetter's verdict (a `vetting` entry) about an artifact that is already logged. The subject is the file's
 * digest and size with the project, version and filename of its artifact entry, looked up in the log by
 * digest when not given (the flags are needed only when the digest is logged under several releases). The
 * statement (DESIGN §3) is signed with K, appended, its receipt verified as `append` does, and written to
 * `<file>.signature.tlog-proof` / `<file>.vetting.tlog-proof` (or `--out`). Exit statuses as `append`, and
 * 21 when no artifact entry with the file's digest is logged.
 */
import { basename } from 'node:path';
import { StamplogError, toHex } from '../base/index.ts';
import { makeEntry, signStatement } from '../leaf/index.ts';
import type { Subject, Submission } from '../leaf/index.ts';
import { failure, tagged } from '../verify/index.ts';
import { hashFile, readStatementKey } from '../client/index.ts';
import { connect, submit, writeReceipts } from './common.ts';
import type { Connection, OnlineOptions } from './common.ts';

export interface StatementOptions extends OnlineOptions {
  signKey: string;
  project?: string;
  version?: string;
  filename?: string;
  out?: string;
}

/** The subject of the artifact entry for `file`, as logged (see the module comment). */
async function loggedSubject(conn: Connection, file: string, opts: StatementOptions): Promise<Subject> {
  const { sha256, size } = await hashFile(file);
  const hex = toHex(sha256);
  const hits = await conn.client.searchAll({ sha256: hex });
  const subjects = new Map<string, Subject>();
  for (const h of hits) {
    const s = h.entry.subject;
    if (h.entry.kind !== 'artifact' || s?.sha256 !== hex || s.size !== size) continue;
    if (opts.project !== undefined && s.project !== opts.project) continue;
    if (opts.version !== undefined && s.version !== opts.version) continue;
    if (opts.filename !== undefined && s.filename !== opts.filename) continue;
    subjects.set(`${s.project}\n${s.version}\n${s.filename}`, { project: s.project, version: s.version, filename: s.filename, sha256, size });
  }
  if (subjects.size === 0) {
    throw failure('not-logged', 'NOT_FOUND', `${file}: no artifact entry with SHA-256 ${hex}${opts.project === undefined ? '' : ` for ${opts.project} ${opts.version ?? ''}`} is logged; append it first`);
  }
  if (subjects.size > 1) {
    const list = [...subjects.values()].map((s) => `${s.project} ${s.version} ${s.filename}`).join('; ');
    throw new StamplogError('MALFORMED', `${file}: the digest is logged for several releases (${list}); say which with --project, --version and --filename`);
  }
  const [only] = subjects.values();
  if (opts.filename === undefined && only.filename !== basename(file)) process.stderr.write(`stamplog: note: the file is named ${basename(file)}, the artifact entry names ${only.filename}\n`);
  return only;
}

async function appendStatement(kind: 'signature' | 'vetting', file: string, opts: StatementOptions, verdict?: string): Promise<void> {
  const key = await readStatementKey(opts.signKey);
  const conn = await connect(opts);
  const subject = await loggedSubject(conn, file, opts);
  const unsigned: Submission = verdict === undefined ? { kind, subject } : { kind, subject, verdict };
  const sub: Submission = tagged('usage', file, () => {
    const s = { ...unsigned, sig: signStatement(key.seed, unsigned) };
    makeEntry(s, 0);
    return s;
  });
  const [done] = await submit(conn, [sub]);
  const out = opts.out ?? `${file}.${kind}.tlog-proof`;
  await writeReceipts([{ path: out, proof: done.json.proof }]);
  const what = kind === 'signature' ? 'signature' : `vetting (${verdict})`;
  console.log(`${done.json.duplicate ? 'already logged' : 'logged'} the ${what} by ${key.name} of ${subject.filename} at index ${done.verified.index}; receipt ${out}`);
}

export async function signFile(file: string, opts: StatementOptions): Promise<void> {
  await appendStatement('signature', file, opts);
}

export async function vetFile(file: string, opts: StatementOptions & { verdict: string }): Promise<void> {
  await appendStatement('vetting', file, opts, opts.verdict);
}
