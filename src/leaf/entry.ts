/**
 * Entries (DESIGN §3): parsing the submission JSON of DESIGN §4, the leaf encoding, its strict
 * decoding, the JSON form of an entry, publisher-signature verification, and the dedup identity.
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
 * `entryToJSON` adds `v` and `time` (ms since the epoch, a JSON number — not RFC 3339, so the exact leaf
 * value is visible). Identity for deduplication (`dedupKey`) is kind, subject, claims, verdict and the
 * signer's key: a second valid signature by the same key over the same statement is no new entry.
 */
import { checkEd25519PublicKey, ed25519Verify } from '../crypto/ed25519.ts';
import { sha256HexOfText } from '../crypto/sha256.ts';
import { StamplogError, isStamplogError } from '../base/errors.ts';
import { jsonStringASCII } from '../base/json.ts';
import { CborWriter, decodeCanonical, encodeKey } from './cbor.ts';
import type { CborValue } from './cbor.ts';
import { formatRfc3339Utc, fromBase64, fromHex, parseRfc3339Utc, toBase64, toHex } from './codec.ts';
import {
  LIMITS,
  Problems,
  checkClaims,
  checkKindRules,
  checkNewNames,
  checkSignatureShape,
  checkSubject,
  isKind,
  isUint,
  textProblem,
} from './schema.ts';
import { statementBytes } from './statement.ts';
import type { Claims, Entry, EntryJSON, EntryKind, PublisherSignature, Subject, Submission, SubmissionJSON } from './types.ts';

// ──────────────────────────── reading JSON and CBOR maps ────────────────────────────

type Format = 'json' | 'cbor';

/** Read access to the members of a JSON object or a decoded CBOR map. */
interface Fields {
  keys(): string[];
  get(key: string): unknown;
}

// Classes rather than object literals of closures: every submission creates several of these, and closures
// created per call cost an allocation each (and a name-keeping wrapper under the tsx transform).
class MapFields implements Fields {
  constructor(private readonly m: Map<string, unknown>) {}
  keys(): string[] {
    return [...this.m.keys()];
  }
  get(k: string): unknown {
    return this.m.get(k);
  }
}

/** Own members only, and an undefined member counts as absent (JSON cannot express it; JS callers can). */
class ObjectFields implements Fields {
  constructor(private readonly o: Record<string, unknown>) {}
  keys(): string[] {
    const out: string[] = [];
    for (const k of Object.keys(this.o)) if (this.o[k] !== undefined) out.push(k);
    return out;
  }
  get(k: string): unknown {
    return Object.prototype.hasOwnProperty.call(this.o, k) ? this.o[k] : undefined;
  }
}

function asFields(v: unknown, format: Format): Fields | undefined {
  if (format === 'cbor') return v instanceof Map ? new MapFields(v as Map<string, unknown>) : undefined;
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return undefined;
  const proto: unknown = Object.getPrototypeOf(v);
  if (proto !== Object.prototype && proto !== null) return undefined;
  return new ObjectFields(v as Record<string, unknown>);
}

/** A member name as it appears in a problem path: bare if it is an identifier, else quoted and cut to 64 characters. */
function fieldName(k: string): string {
  if (/^[A-Za-z_$][\w$]{0,63}$/.test(k)) return k;
  return JSON.stringify(k.length > 64 ? `${k.slice(0, 64)}…` : k);
}

const OBJECT_WORD: Record<Format, string> = { json: 'a JSON object', cbor: 'a CBOR map' };

/** The members of `v` at `path`, reporting unknown and missing members; undefined if `v` is no object. */
function object(p: Problems, path: string, v: unknown, format: Format, allowed: readonly string[], required: readonly string[]): Fields | undefined {
  const f = asFields(v, format);
  if (f === undefined) {
    p.add(path, `expected ${OBJECT_WORD[format]}`);
    return undefined;
  }
  const prefix = path === 'submission' || path === 'leaf' ? '' : `${path}.`;
  for (const k of f.keys()) if (!allowed.includes(k)) p.add(`${prefix}${fieldName(k)}`, 'unknown field');
  for (const k of required) if (f.get(k) === undefined) p.add(`${prefix}${k}`, 'required');
  return f;
}

function text(p: Problems, path: string, v: unknown, maxBytes: number): string | undefined {
  if (v === undefined) return undefined; // reported as missing already
  if (typeof v !== 'string') {
    p.add(path, 'expected a text string');
    return undefined;
  }
  const problem = textProblem(v, maxBytes);
  if (problem !== undefined) {
    p.add(path, problem);
    return undefined;
  }
  return v;
}

function uint(p: Problems, path: string, v: unknown, max: number = LIMITS.maxUint): number | undefined {
  if (v === undefined) return undefined;
  if (!isUint(v, max)) {
    p.add(path, max === LIMITS.maxUint ? 'expected an integer from 0 to 2^53 − 1' : `expected an integer from 0 to ${max}`);
    return undefined;
  }
  return v === 0 ? 0 : v; // -0 → 0
}

/** Bytes: lowercase hex (`hex`) or canonical base64 (`base64`) in JSON, a byte string in CBOR. */
function bytes(p: Problems, path: string, v: unknown, format: Format, spelling: 'hex' | 'base64', length: number): Uint8Array | undefined {
  if (v === undefined) return undefined;
  if (format === 'cbor') {
    if (v instanceof Uint8Array && v.length === length) return v;
    p.add(path, `expected a byte string of ${length} bytes`);
    return undefined;
  }
  const decoded = typeof v !== 'string' ? undefined : spelling === 'hex' ? fromHex(v, length) : fromBase64(v, length);
  if (decoded === undefined) {
    p.add(path, spelling === 'hex' ? `expected ${2 * length} lowercase hex digits` : `expected canonical standard base64 of ${length} bytes`);
  }
  return decoded;
}

const TOP_FIELDS = ['v', 'kind', 'time', 'subject', 'claims', 'sig', 'verdict'] as const;
const SUBMISSION_FIELDS = ['kind', 'subject', 'claims', 'sig', 'verdict'] as const;
const SUBJECT_FIELDS = ['project', 'version', 'filename', 'sha256', 'size'] as const;
const CLAIMS_FIELDS = ['uploadedAt', 'backfill'] as const;
const SIG_FIELDS = ['alg', 'key', 'sig'] as const;

/**
 * Reads the submission members of `top` (kind, subject, claims, sig, verdict) in `format`, adding every
 * problem to `p` (with `intake`, also those of the intake rules for names); returns the submission only if
 * `p` gained no problem.
 */
function readSubmission(p: Problems, top: Fields, format: Format, intake = false): Submission | undefined {
  const before = p.list.length;
  const kindRaw = top.get('kind');
  let kind: EntryKind | undefined;
  if (kindRaw !== undefined) {
    if (isKind(kindRaw)) kind = kindRaw;
    else p.add('kind', 'expected "artifact", "signature" or "vetting"');
  }

  let subject: Subject | undefined;
  const subjectRaw = top.get('subject');
  if (subjectRaw !== undefined) {
    const f = object(p, 'subject', subjectRaw, format, SUBJECT_FIELDS, SUBJECT_FIELDS);
    if (f !== undefined) {
      const project = text(p, 'subject.project', f.get('project'), LIMITS.projectBytes);
      const version = text(p, 'subject.version', f.get('version'), LIMITS.versionBytes);
      const filename = text(p, 'subject.filename', f.get('filename'), LIMITS.filenameBytes);
      const digest = bytes(p, 'subject.sha256', f.get('sha256'), format, 'hex', 32);
      const size = uint(p, 'subject.size', f.get('size'));
      if (intake) checkNewNames(p, { project: project ?? '', version: version ?? '', filename: filename ?? '' });
      if (project !== undefined && version !== undefined && filename !== undefined && digest !== undefined && size !== undefined) {
        subject = { project, version, filename, sha256: digest, size };
      }
    }
  }

  let claims: Claims | undefined;
  const claimsRaw = top.get('claims');
  if (claimsRaw !== undefined) {
    const f = object(p, 'claims', claimsRaw, format, CLAIMS_FIELDS, []);
    if (f !== undefined) {
      let uploadedAt: number | undefined;
      const at = f.get('uploadedAt');
      if (format === 'json') {
        if (at !== undefined) {
          uploadedAt = typeof at === 'string' ? parseRfc3339Utc(at) : undefined;
          if (uploadedAt === undefined) p.add('claims.uploadedAt', 'expected an RFC 3339 UTC time like 2024-05-29T15:37:47Z');
        }
      } else {
        uploadedAt = uint(p, 'claims.uploadedAt', at, LIMITS.maxUploadedAtMs);
      }
      const backfillRaw = f.get('backfill');
      let backfill: true | undefined;
      if (backfillRaw === true) backfill = true;
      else if (backfillRaw === false && format === 'json') backfill = undefined; // the default: not written
      else if (backfillRaw === false) p.add('claims.backfill', 'must be true when present (absence means false)');
      else if (backfillRaw !== undefined) p.add('claims.backfill', 'expected a boolean');
      // One encoding per meaning: claims that say nothing are absent. On the wire `{}` and
      // `{backfill: false}` are accepted and dropped; a leaf must not carry an empty map.
      if (format === 'cbor' && f.keys().length === 0) p.add('claims', 'must not be empty (omit it instead)');
      if (uploadedAt !== undefined && backfill !== undefined) claims = { uploadedAt, backfill };
      else if (uploadedAt !== undefined) claims = { uploadedAt };
      else if (backfill !== undefined) claims = { backfill };
    }
  }

  let sig: PublisherSignature | undefined;
  const sigRaw = top.get('sig');
  if (sigRaw !== undefined) {
    const f = object(p, 'sig', sigRaw, format, SIG_FIELDS, SIG_FIELDS);
    if (f !== undefined) {
      const alg = f.get('alg');
      if (alg !== undefined && alg !== 'ed25519') p.add('sig.alg', 'expected "ed25519"');
      const key = bytes(p, 'sig.key', f.get('key'), format, 'base64', 32);
      const signature = bytes(p, 'sig.sig', f.get('sig'), format, 'base64', 64);
      if (alg === 'ed25519' && key !== undefined && signature !== undefined) sig = { alg, key, sig: signature };
    }
  }

  const verdict = top.get('verdict');
  if (kind !== undefined) checkKindRules(p, kind, sigRaw !== undefined, verdict);
  else if (verdict !== undefined && typeof verdict !== 'string') p.add('verdict', 'expected a text string');

  if (p.list.length !== before || kind === undefined || subject === undefined) return undefined;
  const out: { -readonly [K in keyof Submission]: Submission[K] } = { kind, subject };
  if (claims !== undefined) out.claims = claims;
  if (sig !== undefined) out.sig = sig;
  if (typeof verdict === 'string') out.verdict = verdict;
  return out;
}

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
    const top = object(p, 'submission', json, 'json', SUBMISSION_FIELDS, ['kind', 'subject']);
    if (top !== undefined) sub = readSubmission(p, top, 'json', opts.logged !== true);
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
  w.mapHead(4 + (sig !== undefined ? 1 : 0) + (claims !== undefined ? 1 : 0) + (verdict !== undefined ? 1 : 0));
  w.raw(K.v);
  w.uint(1);
  if (sig !== undefined) {
    w.raw(K.sig);
    w.mapHead(3);
    w.raw(K.alg);
    w.text(sig.alg);
    w.raw(K.key);
    w.bytes(sig.key);
    w.raw(K.sig);
    w.bytes(sig.sig);
  }
  w.raw(K.kind);
  w.text(entry.kind);
  w.raw(K.time);
  w.uint(entry.time);
  if (claims !== undefined) {
    w.raw(K.claims);
    w.mapHead((claims.backfill !== undefined ? 1 : 0) + (claims.uploadedAt !== undefined ? 1 : 0));
    if (claims.backfill !== undefined) {
      w.raw(K.backfill);
      w.bool(true);
    }
    if (claims.uploadedAt !== undefined) {
      w.raw(K.uploadedAt);
      w.uint(claims.uploadedAt);
    }
  }
  w.raw(K.subject);
  w.mapHead(5);
  w.raw(K.size);
  w.uint(subject.size);
  w.raw(K.sha256);
  w.bytes(subject.sha256);
  w.raw(K.project);
  w.text(subject.project);
  w.raw(K.version);
  w.text(subject.version);
  w.raw(K.filename);
  w.text(subject.filename);
  if (verdict !== undefined) {
    w.raw(K.verdict);
    w.text(verdict);
  }
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
  const top = object(p, 'leaf', value, 'cbor', TOP_FIELDS, ['v', 'kind', 'time', 'subject']);
  let entry: Entry | undefined;
  if (top !== undefined) {
    const v = top.get('v');
    if (v !== undefined && v !== 1) p.add('v', `unsupported leaf version ${typeof v === 'number' ? v : typeof v} (expected 1)`);
    const time = uint(p, 'time', top.get('time'));
    const sub = readSubmission(p, top, 'cbor');
    if (sub !== undefined && v === 1 && time !== undefined) entry = { v: 1, time, ...sub };
  }
  p.throwIfAny('leaf');
  if (entry === undefined) throw new StamplogError('INTERNAL', 'decodeLeaf: no problem reported but no entry');
  return entry;
}

// ──────────────────────────── JSON form, signatures, identity ────────────────────────────

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
