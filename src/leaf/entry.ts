/**
 * Entries (DESIGN §3): the leaf encoding and its strict decoding, parsing the submission JSON of DESIGN §4,
 * making an entry of a submission, publisher-signature verification, and the dedup identity. Reading the
 * members of either format is reader.ts; the JSON form of an entry is entryjson.ts.
 *
 * The leaf is the deterministic CBOR map (cbor.ts, RFC 8949 §4.2.1) of these fields, shown in their
 * encoded order (keys sort by their encoded bytes, so shorter keys first):
 *
 *   v        uint = 1                     leaf format version
 *   sig      {alg: "ed25519", key: bstr(32), sig: bstr(64)}              optional
 *   kind     "artifact" | "signature" | "vetting"
 *   time     uint                         ms since the epoch, the log's time of sequencing
 *   claims   {backfill: true, uploadedAt: uint (ms)}    optional, each member optional, never empty
 *   subject  {size: uint, sha256: bstr(32), project: text, version: text, filename: text}
 *   verdict  text                         kind "vetting" only
 *
 * e.g. {v: 1, kind: "artifact", time: 1717000000000, subject: {…}} is
 *   a4  61 76 01  64 6b696e64 68 6172746966616374  64 74696d65 1b 0000018fc52cd200  67 7375626a656374 a5 …
 * Optional fields are absent when not given; `claims.backfill` is only ever true (false = absent). A
 * decoder accepts nothing else: unknown fields, another version, non-canonical CBOR or a leaf over
 * 65,535 bytes are MALFORMED (TOO_LARGE for the size). The format grows by new `v` values or new kinds,
 * never by reinterpreting existing bytes.
 *
 * Wire JSON (DESIGN §4): sha256 as 64 lowercase hex digits, key and sig as canonical standard base64,
 * uploadedAt as an RFC 3339 UTC string (codec.ts), backfill a boolean, everything else as in the leaf.
 * Identity for deduplication (`dedupKey`) is kind, subject, claims, verdict and the signer's key: a second
 * valid signature by the same key over the same statement is no new entry.
 */
import { checkEd25519PublicKey, ed25519Verify, sha256HexOfText } from '../crypto/index.ts';
import { StamplogError, isStamplogError } from '../base/index.ts';
import { decodeCanonical } from './cbor.ts';
import type { CborValue } from './cbor.ts';
import { CborWriter, encodeKey } from './cborwriter.ts';
import { toBase64, toHex } from './codec.ts';
import { FieldReader, SUBMISSION_FIELDS, TOP_FIELDS, readSubmission } from './reader.ts';
import { LIMITS, Problems, checkClaims, checkKindRules, checkSignatureShape, checkSubject, isKind, isUint } from './schema.ts';
import { statementBytes } from './statement.ts';
import type { Entry, Submission } from './types.ts';

/** Options of {@link parseSubmission}. */
export interface ParseSubmissionOptions {
  /**
   * True to read an entry the log already holds (the JSON a log serves, minus `v` and `time`): the intake
   * rules for names are not applied, as decodeLeaf does not apply them, so an entry logged before them
   * can still be re-encoded and proven. Default false: a new submission.
   */
  readonly logged?: boolean;
}

/**
 * The submission carried by the wire JSON value `json` (DESIGN §4, already JSON-parsed); throws
 * MALFORMED whose message names every problem by field path (`subject.sha256: expected 64 lowercase hex
 * digits`) and whose `details.problems` lists them as {path, message}. Unless `opts.logged`, the names must
 * also pass the intake rules (names.ts: a basename filename, no invisible or bidirectional characters);
 * the submission keeps the names exactly as spelled.
 */
export function parseSubmission(json: unknown, opts: ParseSubmissionOptions = {}): Submission {
  const p = new Problems();
  let sub: Submission | undefined;
  try {
    const r = new FieldReader(p, 'json');
    const top = r.object('submission', json, SUBMISSION_FIELDS, ['kind', 'subject']);
    if (top !== undefined) sub = readSubmission(r, top, opts.logged !== true);
  } catch (e) {
    // Only a hostile non-JSON object (a Proxy, a throwing getter) gets here.
    if (isStamplogError(e)) throw e;
    p.add('submission', 'could not be read');
  }
  p.throwIfAny('submission');
  if (sub === undefined) throw new StamplogError('INTERNAL', 'parseSubmission: no problem reported but no submission');
  return sub;
}

// ──────────────────────────── entries and leaves ────────────────────────────

/** Adds the problems of an in-memory submission (what parseSubmission would have refused). */
function checkSubmission(p: Problems, s: Submission): void {
  if (!isKind(s.kind)) {
    p.add('kind', 'expected "artifact", "signature" or "vetting"');
  } else {
    checkKindRules(p, s.kind, s.sig !== undefined, s.verdict);
  }
  if (typeof s.subject !== 'object' || s.subject === null) p.add('subject', 'required');
  else checkSubject(p, s.subject);
  if (s.claims !== undefined) checkClaims(p, s.claims);
  if (s.sig !== undefined) checkSignatureShape(p, s.sig);
}

/** The entry for `sub` sequenced at `timeMs` (ms since the epoch, an integer 0 … 2^53 − 1); throws MALFORMED on invalid input. */
export function makeEntry(sub: Submission, timeMs: number): Entry {
  const p = new Problems();
  checkSubmission(p, sub);
  if (!isUint(timeMs)) p.add('time', 'expected ms since the epoch, an integer from 0 to 2^53 − 1');
  p.throwIfAny('entry');
  const e: { -readonly [K in keyof Entry]: Entry[K] } = { v: 1, kind: sub.kind, time: timeMs === 0 ? 0 : timeMs, subject: sub.subject };
  if (sub.claims !== undefined) e.claims = sub.claims;
  if (sub.sig !== undefined) e.sig = sub.sig;
  if (sub.verdict !== undefined) e.verdict = sub.verdict;
  return e;
}

// Encoded keys, written in deterministic order (RFC 8949 §4.2.1: bytewise order of the encoded keys).
const K = {
  v: encodeKey('v'), // 61 76
  sig: encodeKey('sig'), // 63 73 69 67
  kind: encodeKey('kind'), // 64 6b …
  time: encodeKey('time'), // 64 74 …
  claims: encodeKey('claims'), // 66 …
  subject: encodeKey('subject'), // 67 73 …
  verdict: encodeKey('verdict'), // 67 76 …
  alg: encodeKey('alg'), // 63 61 …
  key: encodeKey('key'), // 63 6b …
  size: encodeKey('size'), // 64 …
  sha256: encodeKey('sha256'), // 66 …
  project: encodeKey('project'), // 67 70 …
  version: encodeKey('version'), // 67 76 …
  filename: encodeKey('filename'), // 68 …
  backfill: encodeKey('backfill'), // 68 …
  uploadedAt: encodeKey('uploadedAt'), // 6a …
};

const leafWriter = new CborWriter(512);

/** The leaf bytes of `entry`: the deterministic CBOR map described above; throws MALFORMED on an invalid entry. */
export function encodeLeaf(entry: Entry): Uint8Array {
  const p = new Problems();
  if (entry.v !== 1) p.add('v', 'expected 1');
  if (!isUint(entry.time)) p.add('time', 'expected ms since the epoch, an integer from 0 to 2^53 − 1');
  checkSubmission(p, entry);
  p.throwIfAny('entry');

  const w = leafWriter;
  w.reset();
  const { sig, claims, subject, verdict } = entry;
  // The layout of the module comment, unrolled on purpose: one `w.key(K.x).value(…)` line a member, in the
  // encoded-key order, so the bytes can be read off against the table; no generic map writer on this path.
  w.mapHead(4 + (sig !== undefined ? 1 : 0) + (claims !== undefined ? 1 : 0) + (verdict !== undefined ? 1 : 0));
  w.key(K.v).uint(1);
  if (sig !== undefined) {
    w.key(K.sig).mapHead(3);
    w.key(K.alg).text(sig.alg);
    w.key(K.key).bytes(sig.key);
    w.key(K.sig).bytes(sig.sig);
  }
  w.key(K.kind).text(entry.kind);
  w.key(K.time).uint(entry.time);
  if (claims !== undefined) {
    w.key(K.claims).mapHead((claims.backfill !== undefined ? 1 : 0) + (claims.uploadedAt !== undefined ? 1 : 0));
    if (claims.backfill !== undefined) w.key(K.backfill).bool(true);
    if (claims.uploadedAt !== undefined) w.key(K.uploadedAt).uint(claims.uploadedAt);
  }
  w.key(K.subject).mapHead(5);
  w.key(K.size).uint(subject.size);
  w.key(K.sha256).bytes(subject.sha256);
  w.key(K.project).text(subject.project);
  w.key(K.version).text(subject.version);
  w.key(K.filename).text(subject.filename);
  if (verdict !== undefined) w.key(K.verdict).text(verdict);
  const leaf = w.finish();
  if (leaf.length > LIMITS.leafBytes) {
    throw new StamplogError('TOO_LARGE', `leaf of ${leaf.length} bytes exceeds ${LIMITS.leafBytes} bytes`);
  }
  return leaf;
}

/**
 * The entry encoded by the leaf bytes `leaf`, which must be canonical CBOR (cbor.ts) of exactly the
 * schema above with v = 1 and at most 65,535 bytes; throws MALFORMED listing the problems otherwise
 * (TOO_LARGE for the size). Signatures are not verified here (see verifySubmissionSignature).
 */
export function decodeLeaf(leaf: Uint8Array): Entry {
  const value: CborValue = decodeCanonical(leaf, { maxBytes: LIMITS.leafBytes });
  const p = new Problems();
  const r = new FieldReader(p, 'cbor');
  const top = r.object('leaf', value, TOP_FIELDS, ['v', 'kind', 'time', 'subject']);
  let entry: Entry | undefined;
  if (top !== undefined) {
    const v = top.get('v');
    if (v !== undefined && v !== 1) p.add('v', `unsupported leaf version ${typeof v === 'number' ? v : typeof v} (expected 1)`);
    const time = r.uint('time', top.get('time'));
    const sub = readSubmission(r, top);
    if (sub !== undefined && v === 1 && time !== undefined) entry = { v: 1, time, ...sub };
  }
  p.throwIfAny('leaf');
  if (entry === undefined) throw new StamplogError('INTERNAL', 'decodeLeaf: no problem reported but no entry');
  return entry;
}

// ──────────────────────────── signatures, identity ────────────────────────────

/** One Ed25519 verification: what {@link publisherSignatureJob} leaves to do. */
export interface SignatureJob {
  publicKey: Uint8Array;
  message: Uint8Array;
  signature: Uint8Array;
}

/**
 * Everything of checking the publisher or vetter signature of `sub` (a Submission or an Entry) short of the
 * Ed25519 equation itself, which it returns as a job (undefined if `sub` has no signature and its kind needs
 * none), so that a server can run the expensive part elsewhere (a worker thread). Throws INVALID_SIGNATURE
 * for a small-order, non-canonical or off-curve key, MALFORMED for a missing signature, another algorithm or
 * an invalid statement. A job that does not verify under the project rule is {@link badPublisherSignature}.
 */
export function publisherSignatureJob(sub: Submission): SignatureJob | undefined {
  const s = sub.sig;
  if (s === undefined) {
    if (sub.kind === 'signature' || sub.kind === 'vetting') throw new StamplogError('MALFORMED', `sig: required for kind "${sub.kind}"`);
    return;
  }
  if (s.alg !== 'ed25519') throw new StamplogError('MALFORMED', 'sig.alg: expected "ed25519"');
  try {
    checkEd25519PublicKey(s.key);
  } catch (e) {
    if (isStamplogError(e)) throw new StamplogError('INVALID_SIGNATURE', `sig.key: ${e.message}`, { cause: e });
    throw e;
  }
  return { publicKey: s.key, message: statementBytes(sub), signature: s.sig };
}

/** The error for a publisher signature that does not verify. */
export function badPublisherSignature(): StamplogError {
  return new StamplogError('INVALID_SIGNATURE', 'sig.sig: not a valid Ed25519 signature of the stamplog/v1 statement by sig.key');
}

/**
 * Verifies the publisher or vetter signature of `sub` (a Submission or an Entry) over its statement
 * with the project Ed25519 rule; returns if it verifies or if `sub` has none and its kind needs none.
 * Throws INVALID_SIGNATURE (small-order, non-canonical or off-curve key, or a signature that does not
 * verify) or MALFORMED (missing signature, another algorithm, an invalid statement).
 */
export function verifySubmissionSignature(sub: Submission): void {
  const job = publisherSignatureJob(sub);
  if (job !== undefined && !ed25519Verify(job.publicKey, job.message, job.signature)) throw badPublisherSignature();
}

/**
 * The deduplication identity of `e` (a Submission or an Entry) as 64 hex digits: SHA-256 of a text that
 * spells its kind, subject, claims, verdict and signer key (alg and key, not the signature bytes), so two
 * keys are equal iff those fields are. The text is one field a line: every text field is free of control
 * characters (validated), so the lines are unambiguous, and `-` marks an absent optional field, which no
 * present value of that line can spell (digits, `true`, a lowercase verdict word, `ed25519:<base64>`).
 * Plain text rather than CBOR because every submission is keyed: this is on the hot path.
 */
export function dedupKey(e: Submission): string {
  const s = e.subject;
  const c = e.claims;
  const text =
    `stamplog-dedup/v1\n${e.kind}\n${s.project}\n${s.version}\n${s.filename}\n${toHex(s.sha256)}\n${s.size}\n` +
    `${c?.uploadedAt ?? '-'}\n${c?.backfill === true ? 'true' : '-'}\n${e.verdict ?? '-'}\n` +
    `${e.sig === undefined ? '-' : `${e.sig.alg}:${toBase64(e.sig.key)}`}\n`;
  return sha256HexOfText(text);
}
