/**
 * Reading the members of an entry out of a JSON object (the submission wire JSON of DESIGN §4) or a decoded
 * CBOR map (a leaf, DESIGN §3) with one set of rules, so that `parseSubmission` and `decodeLeaf` accept the
 * same submissions. The two formats differ only in how bytes and times are spelled (JSON: lowercase hex,
 * canonical standard base64 and RFC 3339 text; CBOR: byte strings and integer milliseconds) and in what an
 * empty `claims` means (dropped on the wire, refused in a leaf).
 *
 * Every problem is added to a Problems list under the path of its field (`subject.sha256`), never thrown:
 * the caller throws them together. Unknown members are problems; an undefined JS member counts as absent.
 */
import { fromBase64, fromHex, parseRfc3339Utc } from './codec.ts';
import { LIMITS, checkKindRules, checkNewNames, isKind, isUint, textProblem } from './schema.ts';
import type { Problems } from './schema.ts';
import type { Claims, EntryKind, PublisherSignature, Subject, Submission } from './types.ts';

/** The format being read: the wire JSON or a leaf's CBOR. */
export type Format = 'json' | 'cbor';

/** Read access to the members of a JSON object or a decoded CBOR map. */
export interface Fields {
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

/** The members of a leaf (`decodeLeaf`). */
export const TOP_FIELDS = ['v', 'kind', 'time', 'subject', 'claims', 'sig', 'verdict'] as const;
/** The members of a submission (`parseSubmission`). */
export const SUBMISSION_FIELDS = ['kind', 'subject', 'claims', 'sig', 'verdict'] as const;
const SUBJECT_FIELDS = ['project', 'version', 'filename', 'sha256', 'size'] as const;
const CLAIMS_FIELDS = ['uploadedAt', 'backfill'] as const;
const SIG_FIELDS = ['alg', 'key', 'sig'] as const;

/**
 * Typed reads of members in one format, each adding its problem to `p` and giving undefined for a value that
 * is absent (reported as missing by `object` already) or wrong.
 */
export class FieldReader {
  constructor(
    readonly p: Problems,
    readonly format: Format,
  ) {}

  /** The members of `v` at `path`, reporting unknown and missing members; undefined if `v` is no object. */
  object(path: string, v: unknown, allowed: readonly string[], required: readonly string[]): Fields | undefined {
    const f = asFields(v, this.format);
    if (f === undefined) {
      this.p.add(path, `expected ${OBJECT_WORD[this.format]}`);
      return undefined;
    }
    const prefix = path === 'submission' || path === 'leaf' ? '' : `${path}.`;
    for (const k of f.keys()) if (!allowed.includes(k)) this.p.add(`${prefix}${fieldName(k)}`, 'unknown field');
    for (const k of required) if (f.get(k) === undefined) this.p.add(`${prefix}${k}`, 'required');
    return f;
  }

  text(path: string, v: unknown, maxBytes: number): string | undefined {
    if (v === undefined) return undefined; // reported as missing already
    if (typeof v !== 'string') {
      this.p.add(path, 'expected a text string');
      return undefined;
    }
    const problem = textProblem(v, maxBytes);
    if (problem !== undefined) {
      this.p.add(path, problem);
      return undefined;
    }
    return v;
  }

  uint(path: string, v: unknown, max: number = LIMITS.maxUint): number | undefined {
    if (v === undefined) return undefined;
    if (!isUint(v, max)) {
      this.p.add(path, max === LIMITS.maxUint ? 'expected an integer from 0 to 2^53 − 1' : `expected an integer from 0 to ${max}`);
      return undefined;
    }
    return v === 0 ? 0 : v; // -0 → 0
  }

  /** Bytes: lowercase hex (`hex`) or canonical base64 (`base64`) in JSON, a byte string in CBOR. */
  bytes(path: string, v: unknown, spelling: 'hex' | 'base64', length: number): Uint8Array | undefined {
    if (v === undefined) return undefined;
    if (this.format === 'cbor') {
      if (v instanceof Uint8Array && v.length === length) return v;
      this.p.add(path, `expected a byte string of ${length} bytes`);
      return undefined;
    }
    const decoded = typeof v !== 'string' ? undefined : spelling === 'hex' ? fromHex(v, length) : fromBase64(v, length);
    if (decoded === undefined) {
      this.p.add(path, spelling === 'hex' ? `expected ${2 * length} lowercase hex digits` : `expected canonical standard base64 of ${length} bytes`);
    }
    return decoded;
  }
}

function readSubject(r: FieldReader, raw: unknown, intake: boolean): Subject | undefined {
  const f = r.object('subject', raw, SUBJECT_FIELDS, SUBJECT_FIELDS);
  if (f === undefined) return undefined;
  const project = r.text('subject.project', f.get('project'), LIMITS.projectBytes);
  const version = r.text('subject.version', f.get('version'), LIMITS.versionBytes);
  const filename = r.text('subject.filename', f.get('filename'), LIMITS.filenameBytes);
  const digest = r.bytes('subject.sha256', f.get('sha256'), 'hex', 32);
  const size = r.uint('subject.size', f.get('size'));
  if (intake) checkNewNames(r.p, { project: project ?? '', version: version ?? '', filename: filename ?? '' });
  if (project === undefined || version === undefined || filename === undefined || digest === undefined || size === undefined) return undefined;
  return { project, version, filename, sha256: digest, size };
}

function readClaims(r: FieldReader, raw: unknown): Claims | undefined {
  const { p, format } = r;
  const f = r.object('claims', raw, CLAIMS_FIELDS, []);
  if (f === undefined) return undefined;
  let uploadedAt: number | undefined;
  const at = f.get('uploadedAt');
  if (format === 'json') {
    if (at !== undefined) {
      uploadedAt = typeof at === 'string' ? parseRfc3339Utc(at) : undefined;
      if (uploadedAt === undefined) p.add('claims.uploadedAt', 'expected an RFC 3339 UTC time like 2024-05-29T15:37:47Z');
    }
  } else {
    uploadedAt = r.uint('claims.uploadedAt', at, LIMITS.maxUploadedAtMs);
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
  if (uploadedAt !== undefined && backfill !== undefined) return { uploadedAt, backfill };
  if (uploadedAt !== undefined) return { uploadedAt };
  if (backfill !== undefined) return { backfill };
  return undefined;
}

function readSignature(r: FieldReader, raw: unknown): PublisherSignature | undefined {
  const f = r.object('sig', raw, SIG_FIELDS, SIG_FIELDS);
  if (f === undefined) return undefined;
  const alg = f.get('alg');
  if (alg !== undefined && alg !== 'ed25519') r.p.add('sig.alg', 'expected "ed25519"');
  const key = r.bytes('sig.key', f.get('key'), 'base64', 32);
  const signature = r.bytes('sig.sig', f.get('sig'), 'base64', 64);
  return alg === 'ed25519' && key !== undefined && signature !== undefined ? { alg, key, sig: signature } : undefined;
}

/**
 * Reads the submission members of `top` (kind, subject, claims, sig, verdict) in `r.format`, adding every
 * problem to `r.p` (with `intake`, also those of the intake rules for names); returns the submission only if
 * `r.p` gained no problem.
 */
export function readSubmission(r: FieldReader, top: Fields, intake = false): Submission | undefined {
  const { p } = r;
  const before = p.list.length;
  const kindRaw = top.get('kind');
  let kind: EntryKind | undefined;
  if (kindRaw !== undefined) {
    if (isKind(kindRaw)) kind = kindRaw;
    else p.add('kind', 'expected "artifact", "signature" or "vetting"');
  }
  const subjectRaw = top.get('subject');
  const subject = subjectRaw === undefined ? undefined : readSubject(r, subjectRaw, intake);
  const claimsRaw = top.get('claims');
  const claims = claimsRaw === undefined ? undefined : readClaims(r, claimsRaw);
  const sigRaw = top.get('sig');
  const sig = sigRaw === undefined ? undefined : readSignature(r, sigRaw);

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
