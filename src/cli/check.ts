/**
 * `stamplog check <file> [--log URL] [--policy P] [--filename N]`: online (src/client/check.ts). Is this
 * exact digest logged, is it the only digest ever logged under its filename, which signatures and vettings
 * exist — each printed entry proven included under a checkpoint that is consistent with the trust store.
 * Exit 0 when the digest is logged and uncontested; 21 when it is not logged; 22 when another digest is
 * logged under the same filename; 20 when the log contradicts the trust store (a split view, a fork, or a
 * rollback: a current tree smaller than the pinned one); others as exit.ts. Names from the log are printed
 * with invisible and bidirectional characters shown as <U+XXXX>.
 */
import { basename } from 'node:path';
import { toBase64, toHex } from '../base/index.ts';
import { checkArtifact, judgeReport, hashFile, LogClient, TrustStore } from '../client/index.ts';
import type { ProvenEntry } from '../client/index.ts';
import { visibleName } from '../leaf/index.ts';
import { DEFAULT_LOG_URL, note, readPolicy } from './common.ts';
import type { OnlineOptions } from './common.ts';

export interface CheckCliOptions extends OnlineOptions {
  filename?: string;
}

function describe(p: ProvenEntry): string {
  const e = p.entry;
  const s = e.subject;
  let line = `index ${p.index}: ${e.kind} ${visibleName(s.project)} ${visibleName(s.version)} ${visibleName(s.filename)} sha256 ${toHex(s.sha256)} size ${s.size}, logged ${new Date(e.time).toISOString()}`;
  if (e.claims?.uploadedAt !== undefined) line += `, uploaded ${new Date(e.claims.uploadedAt).toISOString()}`;
  if (e.claims?.backfill === true) line += ' (backfill)';
  if (e.verdict !== undefined) line += `, verdict ${e.verdict}`;
  if (e.sig !== undefined) line += `, signed by ${toBase64(e.sig.key)}${p.signatureValid === false ? ' (SIGNATURE INVALID)' : ''}`;
  return line;
}

export async function checkFile(file: string, opts: CheckCliOptions): Promise<void> {
  const client = new LogClient(opts.log ?? process.env.STAMPLOG_LOG ?? DEFAULT_LOG_URL);
  const store = new TrustStore();
  const policy = opts.policy === undefined ? undefined : await readPolicy(opts.policy);
  const { sha256, size } = await hashFile(file);
  const filename = opts.filename ?? basename(file);
  const report = await checkArtifact(client, store, { sha256, size, filename }, {
    ...(policy === undefined ? {} : { policy }),
    onFirstUse: (origin, key) => note(`pinned the key of the log ${origin} on first use: ${key}`),
  });
  console.log(`log ${report.origin}, tree size ${report.checkpoint.size}, consistent with the trust store; every entry below is proven included`);
  console.log(`file ${filename}: sha256 ${report.sha256}, size ${size}`);
  for (const p of report.artifacts) console.log(`logged:    ${describe(p)}`);
  for (const p of report.signatures) console.log(`signature: ${describe(p)}`);
  for (const p of report.vettings) console.log(`vetting:   ${describe(p)}`);
  for (const p of report.conflicts) console.log(`CONFLICT:  ${describe(p)}`);
  judgeReport(report, size);
  console.log(`OK: the only digest logged under ${report.filenames.map(visibleName).join(', ')}`);
}
