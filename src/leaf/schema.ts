/**
 * The rules an entry must satisfy beyond its CBOR or JSON shape (DESIGN §3), shared by the JSON parser
 * (`parseSubmission`), the leaf decoder (`decodeLeaf`) and the encoder (`encodeLeaf`), so that all three
 * accept exactly the same entries; a NEW submission must also pass the intake rules for names
 * (`checkNewNames`, names.ts), which leaves already logged are not held to. Problems are collected, each with the path of its field
 * (`subject.sha256`), rather than stopping at the first: the server reports every problem of every
 * position of a batch.
 *
 * Limits (LIMITS): text lengths are counted in UTF-8 bytes; with them a leaf stays far below the
 * 65,535-byte ceiling of a tile entry bundle (DESIGN §2), which `encodeLeaf` checks anyway.
 * Text is well-formed Unicode (no lone surrogates) without control characters (Unicode category Cc:
 * U+0000–U+001F, U+007F–U+009F), so it cannot break the line structure of a signed statement.
 */
import { StamplogError } from '../base/index.ts';
import { MAX_RFC3339_MS } from './codec.ts';
import { filenameProblem, invisibleCharacterProblem } from './names.ts';
import { ENTRY_KINDS } from './types.ts';
import type { Claims, EntryKind, PublisherSignature, Subject } from './types.ts';

/** Every documented limit on entries, submissions and leaves. */
export const LIMITS = Object.freeze({
  /** Maximum UTF-8 bytes of `subject.project`. */
  projectBytes: 200,
  /** Maximum UTF-8 bytes of `subject.version`. */
  versionBytes: 128,
  /** Maximum UTF-8 bytes of `subject.filename`. */
  filenameBytes: 255,
  /** Maximum bytes of `verdict`, which must also match VERDICT_PATTERN. */
  verdictBytes: 64,
  /** Largest `subject.size` and `time`: 2^53 − 1. */
  maxUint: Number.MAX_SAFE_INTEGER,
  /** Largest `claims.uploadedAt` (ms), the last millisecond of year 9999, so it prints as RFC 3339. */
  maxUploadedAtMs: MAX_RFC3339_MS,
  /** Maximum size of an encoded leaf in bytes (uint16 length prefix in tile entry bundles). */
  leafBytes: 65_535,
  /** At most this many problems are reported for one submission. */
  maxProblems: 20,
});

/** A verdict is a lowercase ASCII word: a letter, then letters, digits or hyphens. */
export const VERDICT_PATTERN = /^[a-z][a-z0-9-]*$/;

/** One problem with one field of an input. */
export interface Problem {
  /** Dotted path of the field, e.g. `subject.sha256`; the name of the whole input for top-level problems. */
  readonly path: string;
  readonly message: string;
}

/** Collects problems (up to LIMITS.maxProblems) and turns them into one StamplogError. */
export class Problems {
  readonly list: Problem[] = [];
  #dropped = 0;

  add(path: string, message: string): void {
    if (this.list.length < LIMITS.maxProblems) this.list.push({ path, message });
    else this.#dropped++;
  }

  get empty(): boolean {
    return this.list.length === 0;
  }

  /** Throws MALFORMED listing every problem (`path: message; …`) if there is any. */
  throwIfAny(what: string): void {
    if (this.list.length === 0) return;
    let message = `invalid ${what}: ` + this.list.map((p) => `${p.path}: ${p.message}`).join('; ');
    if (this.#dropped > 0) message += `; and ${this.#dropped} more`;
    throw new StamplogError('MALFORMED', message, { details: { problems: this.list.slice(), dropped: this.#dropped } });
  }
}

/** Why `s` is not acceptable text of at most `maxBytes` UTF-8 bytes, or undefined if it is. */
export function textProblem(s: string, maxBytes: number): string | undefined {
  if (s.length === 0) return 'must not be empty';
  let bytes = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) return `must not contain control character U+${c.toString(16).toUpperCase().padStart(4, '0')}`;
    if (c < 0x80) bytes += 1;
    else if (c < 0x800) bytes += 2;
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = s.charCodeAt(i + 1);
      if (!(d >= 0xdc00 && d <= 0xdfff)) return 'must be well-formed Unicode (lone surrogate)';
      bytes += 4;
      i++;
    } else if (c >= 0xdc00 && c <= 0xdfff) return 'must be well-formed Unicode (lone surrogate)';
    else bytes += 3;
    if (bytes > maxBytes) return `must be at most ${maxBytes} UTF-8 bytes`;
  }
  return undefined;
}

/** True iff `n` is an integer in [0, max]. */
export function isUint(n: unknown, max: number = LIMITS.maxUint): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 && n <= max;
}

/** True iff `k` is a kind this version understands. */
export function isKind(k: unknown): k is EntryKind {
  return typeof k === 'string' && (ENTRY_KINDS as readonly string[]).includes(k);
}

function checkText(p: Problems, path: string, v: unknown, maxBytes: number): void {
  if (typeof v !== 'string') {
    p.add(path, 'expected a text string');
    return;
  }
  const problem = textProblem(v, maxBytes);
  if (problem !== undefined) p.add(path, problem);
}

function checkBytes(p: Problems, path: string, v: unknown, length: number): void {
  if (!(v instanceof Uint8Array)) p.add(path, `expected ${length} bytes`);
  else if (v.length !== length) p.add(path, `expected ${length} bytes, got ${v.length}`);
}

/** Adds the problems of an in-memory subject (types, lengths, text rules). */
export function checkSubject(p: Problems, s: Subject): void {
  checkText(p, 'subject.project', s.project, LIMITS.projectBytes);
  checkText(p, 'subject.version', s.version, LIMITS.versionBytes);
  checkText(p, 'subject.filename', s.filename, LIMITS.filenameBytes);
  checkBytes(p, 'subject.sha256', s.sha256, 32);
  if (!isUint(s.size)) p.add('subject.size', 'expected an integer from 0 to 2^53 − 1');
}

/**
 * Adds the problems of the intake rules for names (names.ts) of a NEW submission's subject: no invisible or
 * bidirectional formatting characters in project, version or filename, and a filename that is a plain
 * basename. Not part of checkSubject: leaves logged before these rules keep decoding and re-encoding.
 */
export function checkNewNames(p: Problems, s: Pick<Subject, 'project' | 'version' | 'filename'>): void {
  const project = invisibleCharacterProblem(s.project);
  if (project !== undefined) p.add('subject.project', project);
  const version = invisibleCharacterProblem(s.version);
  if (version !== undefined) p.add('subject.version', version);
  const filename = filenameProblem(s.filename);
  if (filename !== undefined) p.add('subject.filename', filename);
}

/** Adds the problems of in-memory claims, which must be canonical (non-empty, backfill only as true). */
export function checkClaims(p: Problems, c: Claims): void {
  if (c.uploadedAt === undefined && c.backfill === undefined) p.add('claims', 'must not be empty (omit it instead)');
  if (c.uploadedAt !== undefined && !isUint(c.uploadedAt, LIMITS.maxUploadedAtMs)) {
    p.add('claims.uploadedAt', 'expected ms since the epoch, at most 9999-12-31T23:59:59.999Z');
  }
  if (c.backfill !== undefined && c.backfill !== true) p.add('claims.backfill', 'must be true when present (absence means false)');
}

/** Adds the problems of an in-memory publisher signature (shape only; see verifySubmissionSignature). */
export function checkSignatureShape(p: Problems, s: PublisherSignature): void {
  if (s.alg !== 'ed25519') p.add('sig.alg', 'expected "ed25519"');
  checkBytes(p, 'sig.key', s.key, 32);
  checkBytes(p, 'sig.sig', s.sig, 64);
}

/** Adds the problems of the kind-specific rules: verdict exactly for vetting, sig for signature and vetting. */
export function checkKindRules(p: Problems, kind: EntryKind, hasSig: boolean, verdict: unknown): void {
  if (kind === 'vetting') {
    if (verdict === undefined) p.add('verdict', 'required for kind "vetting"');
    else if (typeof verdict !== 'string') p.add('verdict', 'expected a text string');
    else if (verdict.length > LIMITS.verdictBytes || !VERDICT_PATTERN.test(verdict)) {
      p.add('verdict', `expected a lowercase word ([a-z][a-z0-9-]*) of at most ${LIMITS.verdictBytes} characters`);
    }
  } else if (verdict !== undefined) {
    p.add('verdict', `only allowed for kind "vetting", not "${kind}"`);
  }
  if ((kind === 'signature' || kind === 'vetting') && !hasSig) p.add('sig', `required for kind "${kind}"`);
}
