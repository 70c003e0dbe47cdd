/**
 * A fast path for strict leaf decoding, for audits of millions of leaves. decodeLeaf (entry.ts, the reference)
 * validates through a general CBOR decoder, cbor-x and a re-encode; here one pass over the bytes
 * checks that they are, byte for byte, what src/leaf's encodeLeaf writes for a valid entry (DESIGN §3):
 *
 *   map(4..7)  "v" 1  ["sig" {"alg" "ed25519", "key" bstr(32), "sig" bstr(64)}]  "kind" <kind>  "time" uint
 *              ["claims" {["backfill" true], ["uploadedAt" uint]}]  "subject" {"size" uint, "sha256" bstr(32),
 *              "project" text, "version" text, "filename" text}  ["verdict" text]
 *
 * in exactly that order (RFC 8949 §4.2.1 key order, which is the encoder's), every head as short as possible,
 * the map count matching the fields present, nothing after, plus the schema rules (LIMITS, kinds, verdict only
 * and always for vetting, sig for signature/vetting, claims non-empty, backfill only true, uploadedAt ≤ the RFC
 * 3339 limit). Deterministic CBOR has one encoding per value, so these are exactly the canonical encodings of
 * valid entries, i.e. a subset of what decodeLeaf accepts, with the same entry.
 *
 * Text is taken on the fast path only when it is printable ASCII (0x20–0x7e: non-empty, no control character,
 * bytes = characters, well-formed UTF-8 by construction); anything else, as any leaf the walk does not accept,
 * is left to the reference decoder, so every answer and every error is decodeLeaf's own.
 * test/leaf/fastleaf.test.ts checks the two agree: generated entries, every single-byte mutation and
 * truncation of them, and random bytes (fast-check).
 */
import { FNV_OFFSET, FNV_PRIME, textKey as nameKey, StamplogError } from '../base/index.ts';
import { encodeCanonical } from './cbor.ts';
import { decodeLeaf, encodeLeaf } from './entry.ts';
import { filenameKey } from './names.ts';
import { LIMITS, VERDICT_PATTERN } from './schema.ts';
import { ENTRY_KINDS } from './types.ts';
import type { Entry, EntryKind } from './types.ts';

/** What a content check reads of a leaf (the monitor's checks), without building the whole entry. */
export interface LeafFacts {
  readonly kind: EntryKind;
  readonly time: number;
  readonly project: string;
  readonly filename: string;
  /** Lowercase hex SHA-256 of the subject. */
  readonly sha256: string;
  /** Standard base64 of the signer's Ed25519 key, if the entry is signed. */
  readonly signer: string | undefined;
  /**
   * The filename's identity (src/leaf filenameKey: its NFC form), under which the checks compare filenames; the
   * filename itself when it is printable ASCII, as on the fast path.
   */
  readonly fileId: string;
  /** The name-filter key of `fileId`: src/base/bloom.ts textKey, FNV-1a of its UTF-8 bytes. */
  readonly filenameKey: number;
  /** The whole entry (built on demand: only signature verification needs it). */
  entry(): Entry;
}

// The fixed byte strings of the layout, produced by src/leaf's own canonical encoder.
const cb = (v: string): Uint8Array => encodeCanonical(v);
const cat = (...parts: (Uint8Array | number[])[]): Uint8Array => Uint8Array.from(parts.flatMap((p) => [...p]));
/** "v" 1 */
const V1 = cat(cb('v'), [0x01]);
/** "sig" {"alg" "ed25519", "key" bstr(32) (the head; the 32 bytes follow) */
const SIG_HEAD = cat(cb('sig'), [0xa3], cb('alg'), cb('ed25519'), cb('key'), [0x58, 32]);
/** "sig" bstr(64) (the head; the 64 bytes follow) */
const SIG_SIG = cat(cb('sig'), [0x58, 64]);
const KIND = cb('kind');
/**
 * The kinds whose rules the walk applies (verdict exactly for vetting, sig for signature and vetting); a leaf of
 * any kind src/leaf may add later goes to decodeLeaf.
 */
const KINDS: readonly EntryKind[] = ['artifact', 'signature', 'vetting'].filter((k): k is EntryKind => (ENTRY_KINDS as readonly string[]).includes(k));
const KIND_TEXT = KINDS.map(cb);
const TIME = cb('time');
const CLAIMS = cb('claims');
const BACKFILL_TRUE = cat(cb('backfill'), [0xf5]);
const UPLOADED_AT = cb('uploadedAt');
/** "subject" map(5) "size" */
const SUBJECT_SIZE = cat(cb('subject'), [0xa5], cb('size'));
/** "sha256" bstr(32) (the head) */
const SHA256 = cat(cb('sha256'), [0x58, 32]);
const PROJECT = cb('project');
const VERSION = cb('version');
const FILENAME = cb('filename');
const VERDICT = cb('verdict');

/** Where the parts of the last accepted leaf lie (module scratch: the walk is synchronous). */
const at = {
  sigKey: -1,
  sigSig: -1,
  kind: 0,
  time: 0,
  claims: false,
  backfill: false,
  uploadedAt: -1,
  size: 0,
  sha256: 0,
  project: 0,
  projectEnd: 0,
  version: 0,
  versionEnd: 0,
  filename: 0,
  filenameEnd: 0,
  filenameKey: 0,
  verdict: -1,
  verdictEnd: -1,
};

let p = 0;
let lim = 0;

/** Consumes `bytes` if the bytes at p are exactly those. */
function lit(b: Uint8Array, bytes: Uint8Array): boolean {
  const n = bytes.length;
  if (p + n > lim) return false;
  for (let i = 0; i < n; i++) if (b[p + i] !== bytes[i]) return false;
  p += n;
  return true;
}

/** Reads the argument of a shortest-form head of major type `major` (no indefinite lengths); -1 if not one. */
function head(b: Uint8Array, major: number): number {
  if (p >= lim) return -1;
  const ib = b[p];
  if (ib >> 5 !== major) return -1;
  const ai = ib & 31;
  let v: number;
  let q = p + 1;
  if (ai < 24) v = ai;
  else if (ai === 24) {
    if (q + 1 > lim) return -1;
    v = b[q++];
    if (v < 24) return -1;
  } else if (ai === 25) {
    if (q + 2 > lim) return -1;
    v = (b[q] << 8) | b[q + 1];
    q += 2;
    if (v < 0x100) return -1;
  } else if (ai === 26) {
    if (q + 4 > lim) return -1;
    v = b[q] * 0x1000000 + ((b[q + 1] << 16) | (b[q + 2] << 8) | b[q + 3]);
    q += 4;
    if (v < 0x10000) return -1;
  } else if (ai === 27) {
    if (q + 8 > lim) return -1;
    const hi = b[q] * 0x1000000 + ((b[q + 1] << 16) | (b[q + 2] << 8) | b[q + 3]);
    const lo = b[q + 4] * 0x1000000 + ((b[q + 5] << 16) | (b[q + 6] << 8) | b[q + 7]);
    q += 8;
    if (hi > 0x1fffff) return -1; // above 2^53 − 1
    v = hi * 0x100000000 + lo;
    if (v < 0x100000000) return -1;
  } else return -1;
  p = q;
  return v;
}

/** FNV-1a of the bytes of the last text string `ascii` read with `key` set (the name-filter key, as textKey). */
let textKey = 0;

/**
 * Reads a printable-ASCII text string of 1..maxBytes bytes; returns its start (p is then its end), or -1.
 * With `key`, also hashes its bytes into textKey while they are scanned anyway.
 */
function ascii(b: Uint8Array, maxBytes: number, key = false): number {
  const n = head(b, 3);
  if (n < 1 || n > maxBytes || p + n > lim) return -1;
  const s = p;
  let h = FNV_OFFSET;
  for (let i = s; i < s + n; i++) {
    const c = b[i];
    if (c < 0x20 || c > 0x7e) return -1;
    if (key) h = Math.imul(h ^ c, FNV_PRIME);
  }
  textKey = h;
  p = s + n;
  return s;
}

/** Walks leaf b[start..end) (see the module comment) into `at`; false if it is not on the fast path. */
function walk(b: Uint8Array, start: number, end: number): boolean {
  if (end - start > LIMITS.leafBytes || end <= start) return false;
  p = start;
  lim = end;
  const count = b[p++] - 0xa0; // map(4..7): the head byte itself
  if (count < 4 || count > 7) return false;
  if (!lit(b, V1)) return false;
  let fields = 4;
  at.sigKey = -1;
  at.sigSig = -1;
  if (lit(b, SIG_HEAD)) {
    if (p + 32 > lim) return false;
    at.sigKey = p;
    p += 32;
    if (!lit(b, SIG_SIG) || p + 64 > lim) return false;
    at.sigSig = p;
    p += 64;
    fields++;
  }
  if (!lit(b, KIND)) return false;
  let kind = -1;
  for (let k = 0; k < KIND_TEXT.length && kind < 0; k++) if (lit(b, KIND_TEXT[k])) kind = k;
  if (kind < 0) return false;
  at.kind = kind;
  if (!lit(b, TIME)) return false;
  const time = head(b, 0);
  if (time < 0) return false;
  at.time = time;
  at.claims = false;
  at.backfill = false;
  at.uploadedAt = -1;
  if (lit(b, CLAIMS)) {
    if (p >= lim) return false;
    const n = b[p++] - 0xa0; // map(1) or map(2); an empty claims map is not canonical
    if (n < 1 || n > 2) return false;
    let got = 0;
    if (lit(b, BACKFILL_TRUE)) {
      at.backfill = true;
      got++;
    }
    if (lit(b, UPLOADED_AT)) {
      const u = head(b, 0);
      if (u < 0 || u > LIMITS.maxUploadedAtMs) return false;
      at.uploadedAt = u;
      got++;
    }
    if (got !== n) return false;
    at.claims = true;
    fields++;
  }
  if (!lit(b, SUBJECT_SIZE)) return false;
  const size = head(b, 0);
  if (size < 0) return false;
  at.size = size;
  if (!lit(b, SHA256) || p + 32 > lim) return false;
  at.sha256 = p;
  p += 32;
  if (!lit(b, PROJECT) || (at.project = ascii(b, LIMITS.projectBytes)) < 0) return false;
  at.projectEnd = p;
  if (!lit(b, VERSION) || (at.version = ascii(b, LIMITS.versionBytes)) < 0) return false;
  at.versionEnd = p;
  if (!lit(b, FILENAME) || (at.filename = ascii(b, LIMITS.filenameBytes, true)) < 0) return false;
  at.filenameEnd = p;
  at.filenameKey = textKey;
  at.verdict = -1;
  at.verdictEnd = -1;
  if (lit(b, VERDICT)) {
    if ((at.verdict = ascii(b, LIMITS.verdictBytes)) < 0) return false;
    at.verdictEnd = p;
    fields++;
  }
  if (p !== end || fields !== count) return false;
  // Kind rules (src/leaf schema): verdict exactly for vetting, a lowercase word; sig for signature and vetting.
  const k = KINDS[kind];
  if ((k === 'vetting') !== at.verdict >= 0) return false;
  if (k === 'vetting' && !VERDICT_PATTERN.test(latin1(b, at.verdict, at.verdictEnd))) return false;
  if (k !== 'artifact' && at.sigKey < 0) return false;
  return true;
}

// The audit's fast path reads Node Buffers (from node:http) and their native latin1/hex/base64 decoders; the module
// still loads anywhere, since Buffer is touched only inside these calls, never at load.
function asBuffer(b: Uint8Array): Buffer {
  // eslint-disable-next-line no-restricted-globals -- see above
  return Buffer.isBuffer(b) ? b : Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/** b[s..e) as a string of one character per byte (only called on printable ASCII). */
function latin1(b: Uint8Array, s: number, e: number): string {
  return asBuffer(b).toString('latin1', s, e);
}

function copy(b: Uint8Array, s: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  out.set(b.subarray(s, s + n));
  return out;
}

/** The entry of the walk just done over b (fresh byte arrays, as decodeLeaf returns). */
function entryFromWalk(b: Uint8Array): Entry {
  const e: { -readonly [K in keyof Entry]: Entry[K] } = {
    v: 1,
    kind: KINDS[at.kind],
    time: at.time,
    subject: {
      project: latin1(b, at.project, at.projectEnd),
      version: latin1(b, at.version, at.versionEnd),
      filename: latin1(b, at.filename, at.filenameEnd),
      sha256: copy(b, at.sha256, 32),
      size: at.size,
    },
  };
  if (at.claims) {
    e.claims = at.backfill && at.uploadedAt >= 0 ? { uploadedAt: at.uploadedAt, backfill: true } : at.backfill ? { backfill: true } : { uploadedAt: at.uploadedAt };
  }
  if (at.sigKey >= 0) e.sig = { alg: 'ed25519', key: copy(b, at.sigKey, 32), sig: copy(b, at.sigSig, 64) };
  if (at.verdict >= 0) e.verdict = latin1(b, at.verdict, at.verdictEnd);
  return e;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The reference path: decodeLeaf, and (belt and braces) the leaf must be the one encoding of its entry, which
 * decodeLeaf's own re-encode already implies.
 */
export function decodeLeafStrict(leaf: Uint8Array): Entry {
  const e = decodeLeaf(leaf);
  if (!same(encodeLeaf(e), leaf)) throw new StamplogError('MALFORMED', 'leaf does not re-encode to the same bytes');
  return e;
}

/**
 * The entry that the leaf bytes `leaf` encode, accepting exactly what src/leaf's decodeLeaf accepts (throws its
 * errors otherwise); fast for canonical leaves with ASCII text (see the module comment).
 */
export function decodeLeafFast(leaf: Uint8Array): Entry {
  return walk(leaf, 0, leaf.length) ? entryFromWalk(leaf) : decodeLeafStrict(leaf);
}

/**
 * The facts of a leaf the fast path accepted: strings taken straight from the bytes, the project name and the
 * entry on demand (most leaves of an honest log need neither).
 */
class WalkedLeaf implements LeafFacts {
  readonly kind: EntryKind;
  readonly time: number;
  readonly filename: string;
  readonly sha256: string;
  readonly signer: string | undefined;
  readonly filenameKey: number;
  readonly #leaf: Buffer;
  readonly #start: number;
  readonly #end: number;
  readonly #projectAt: number;
  readonly #projectEnd: number;
  #project: string | undefined;

  constructor(b: Buffer, start: number, end: number) {
    this.kind = KINDS[at.kind];
    this.time = at.time;
    this.filename = b.toString('latin1', at.filename, at.filenameEnd);
    this.sha256 = b.toString('hex', at.sha256, at.sha256 + 32);
    this.signer = at.sigKey < 0 ? undefined : b.toString('base64', at.sigKey, at.sigKey + 32);
    this.filenameKey = at.filenameKey;
    this.#leaf = b;
    this.#start = start;
    this.#end = end;
    this.#projectAt = at.project;
    this.#projectEnd = at.projectEnd;
  }

  /** Printable ASCII (the fast path takes nothing else) is its own NFC form. */
  get fileId(): string {
    return this.filename;
  }

  get project(): string {
    return (this.#project ??= this.#leaf.toString('latin1', this.#projectAt, this.#projectEnd));
  }

  entry(): Entry {
    const b = this.#leaf;
    return decodeLeafFast(new Uint8Array(b.buffer, b.byteOffset + this.#start, this.#end - this.#start));
  }
}

/** The facts of an entry decoded some other way (the reference path). */
export function factsOf(e: Entry): LeafFacts {
  const fileId = filenameKey(e.subject.filename);
  return {
    kind: e.kind,
    time: e.time,
    project: e.subject.project,
    filename: e.subject.filename,
    sha256: asBuffer(e.subject.sha256).toString('hex'),
    signer: e.sig === undefined ? undefined : asBuffer(e.sig.key).toString('base64'),
    fileId,
    filenameKey: nameKey(fileId),
    entry: () => e,
  };
}

/**
 * The facts of leaf b[start..end) if it is on the fast path, else undefined (the caller then decodes it with
 * decodeLeafStrict, which gives the entry or the error).
 */
export function leafFactsAt(b: Buffer, start: number, end: number): LeafFacts | undefined {
  return walk(b, start, end) ? new WalkedLeaf(b, start, end) : undefined;
}
