/**
 * The JSON form of submissions and entries (DESIGN §4): `submissionToJSON`, which parseSubmission turns back
 * into an equal submission, `entryToJSON`, which adds `v` and `time`, and `entryJSONText`, the same JSON
 * written as text directly. sha256 is 64 lowercase hex digits, key and sig canonical standard base64,
 * uploadedAt an RFC 3339 UTC string (codec.ts), backfill a boolean; `time` stays ms since the epoch, a JSON
 * number, so the exact leaf value is visible.
 */
import { jsonStringASCII } from '../base/index.ts';
import { formatRfc3339Utc, toBase64, toHex } from './codec.ts';
import type { Entry, EntryJSON, Submission, SubmissionJSON } from './types.ts';

/** The wire JSON form of `sub` (DESIGN §4), which parseSubmission turns back into an equal submission. */
export function submissionToJSON(sub: Submission): SubmissionJSON {
  const { project, version, filename, sha256: digest, size } = sub.subject;
  const out: SubmissionJSON = { kind: sub.kind, subject: { project, version, filename, sha256: toHex(digest), size } };
  if (sub.claims !== undefined) {
    const c: NonNullable<SubmissionJSON['claims']> = {};
    if (sub.claims.uploadedAt !== undefined) c.uploadedAt = formatRfc3339Utc(sub.claims.uploadedAt);
    if (sub.claims.backfill !== undefined) c.backfill = true;
    out.claims = c;
  }
  if (sub.sig !== undefined) out.sig = { alg: sub.sig.alg, key: toBase64(sub.sig.key), sig: toBase64(sub.sig.sig) };
  if (sub.verdict !== undefined) out.verdict = sub.verdict;
  return out;
}

/**
 * The JSON form of `entry`: `v`, `kind`, `time` (ms since the epoch, a number), then the submission's
 * wire shape (hex digest, base64 key and signature, RFC 3339 uploadedAt).
 */
export function entryToJSON(entry: Entry): EntryJSON {
  const s = submissionToJSON(entry);
  const out: EntryJSON = { v: entry.v, kind: s.kind, time: entry.time, subject: s.subject };
  if (s.claims !== undefined) out.claims = s.claims;
  if (s.sig !== undefined) out.sig = s.sig;
  if (s.verdict !== undefined) out.verdict = s.verdict;
  return out;
}

/**
 * `JSON.stringify(entryToJSON(entry))` written directly, ASCII only (src/base/json.ts: characters from U+007F up as
 * \uXXXX escapes, so JSON.parse gives back exactly entryToJSON(entry)). Same members in the same order; for
 * servers that answer thousands of entries at once without building their JSON objects.
 */
export function entryJSONText(entry: Entry): string {
  const s = entry.subject;
  let out =
    `{"v":${entry.v},"kind":${jsonStringASCII(entry.kind)},"time":${entry.time},"subject":{"project":${jsonStringASCII(s.project)},` +
    `"version":${jsonStringASCII(s.version)},"filename":${jsonStringASCII(s.filename)},"sha256":"${toHex(s.sha256)}","size":${s.size}}`;
  const c = entry.claims;
  if (c !== undefined) {
    const members: string[] = [];
    if (c.uploadedAt !== undefined) members.push(`"uploadedAt":"${formatRfc3339Utc(c.uploadedAt)}"`);
    if (c.backfill !== undefined) members.push('"backfill":true');
    out += `,"claims":{${members.join(',')}}`;
  }
  const sig = entry.sig;
  if (sig !== undefined) out += `,"sig":{"alg":${jsonStringASCII(sig.alg)},"key":"${toBase64(sig.key)}","sig":"${toBase64(sig.sig)}"}`;
  if (entry.verdict !== undefined) out += `,"verdict":${jsonStringASCII(entry.verdict)}`;
  return `${out}}`;
}
