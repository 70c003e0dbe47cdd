/**
 * Deterministically encoded CBOR (RFC 8949 §4.2.1, "core deterministic encoding") for the small value
 * set stamplog uses. Leaves (DESIGN §3) are written and read only through this module.
 *
 * Value set and wire form:
 *   unsigned integer 0 … 2^53 − 1   major type 0, shortest head (§4.2.1: 0–23 in the initial byte,
 *                                   then 1, 2, 4 or 8 argument bytes, big-endian)
 *   byte string                     major type 2, definite length
 *   text string                     major type 3, definite length, well-formed UTF-8 (§3.1)
 *   array                           major type 4, definite length
 *   map with text-string keys       major type 5, definite length, keys sorted by the bytewise
 *                                   lexicographic order of their deterministic encodings, no duplicates
 *   false / true                    0xf4 / 0xf5
 * Never: negative integers, floats, tags, null, undefined, other simple values, indefinite lengths,
 * non-shortest heads, trailing bytes. E.g. {"a": 1, "b": h'ff'} is a2 61 61 01 61 62 41 ff.
 *
 * Decoding is strict and three-layered: (1) a single-pass validator walks the bytes and rejects, with a
 * reason and a byte offset, anything outside the value set or not in deterministic form; (2) cbor-x, the
 * project's required CBOR building block, builds the values with a Decoder configured explicitly (no
 * records/structures, no bundled strings, maps as Map, 64-bit integers as numbers, copied buffers);
 * (3) the values are re-encoded with our encoder and must give back the input byte for byte. cbor-x alone
 * cannot be trusted here: it has no canonical mode and silently accepts non-minimal integers, duplicate
 * keys, indefinite lengths and shared-value tags.
 *
 * Limits (CBOR_LIMITS): input ≤ 65,535 bytes by default (the largest leaf a tile entry bundle can carry,
 * DESIGN §2), nesting ≤ 16 levels. Every declared length is checked against the bytes that remain before
 * anything is allocated, so hostile input costs at most linear time and memory.
 */
import { Decoder } from 'cbor-x';
import type { Options as CborXOptions } from 'cbor-x';
import { StamplogError, malformed } from '../base/errors.ts';

/** A value of the supported CBOR subset. Maps decode as `Map`; plain objects are accepted when encoding. */
export type CborValue = number | string | boolean | Uint8Array | readonly CborValue[] | CborMap | CborRecord;
/** A CBOR map with text keys, as produced by the decoder. */
export type CborMap = ReadonlyMap<string, CborValue>;
/** A CBOR map written as a plain object (encoding only; `undefined` members are skipped). */
export interface CborRecord {
  readonly [key: string]: CborValue | undefined;
}

/** Documented limits of the decoder. */
export const CBOR_LIMITS = Object.freeze({
  /** Default maximum input size in bytes (a leaf: uint16 length in a tile entry bundle). */
  maxBytes: 65_535,
  /** Maximum nesting depth of arrays and maps (the top-level item is depth 0). */
  maxDepth: 16,
});

/** Options of `decodeCanonical`. */
export interface DecodeOptions {
  /** Reject inputs longer than this many bytes (TOO_LARGE); default CBOR_LIMITS.maxBytes. */
  maxBytes?: number;
}

const MAJOR_UINT = 0;
const MAJOR_BYTES = 2;
const MAJOR_TEXT = 3;
const MAJOR_ARRAY = 4;
const MAJOR_MAP = 5;
const TWO_32 = 0x1_0000_0000;

// ───────────────────────────────── encoding ─────────────────────────────────

/**
 * An append-only writer of deterministic CBOR items. Callers that write maps item by item (the leaf
 * encoder) are responsible for emitting keys in sorted order; `encodeCanonical` sorts for itself.
 */
export class CborWriter {
  #buf: Uint8Array;
  #pos = 0;

  constructor(initialCapacity = 256) {
    this.#buf = new Uint8Array(initialCapacity);
  }

  /** Forgets everything written so far (the buffer is kept for reuse). */
  reset(): void {
    this.#pos = 0;
  }

  /** A copy of the bytes written so far. */
  finish(): Uint8Array {
    return this.#buf.slice(0, this.#pos);
  }

  #ensure(n: number): void {
    const need = this.#pos + n;
    if (need <= this.#buf.length) return;
    let cap = this.#buf.length * 2;
    while (cap < need) cap *= 2;
    const next = new Uint8Array(cap);
    next.set(this.#buf.subarray(0, this.#pos));
    this.#buf = next;
  }

  /** Writes the shortest head of major type `major` with argument `n` (a safe non-negative integer). */
  head(major: number, n: number): void {
    if (!Number.isSafeInteger(n) || n < 0) throw malformed(`cbor: ${n} is not an unsigned integer ≤ 2^53 − 1`);
    this.#ensure(9);
    const b = this.#buf;
    let p = this.#pos;
    const m = major << 5;
    // RFC 8949 §4.2.1: "the argument … MUST be as short as possible".
    if (n < 24) {
      b[p++] = m | n;
    } else if (n < 0x100) {
      b[p++] = m | 24;
      b[p++] = n;
    } else if (n < 0x10000) {
      b[p++] = m | 25;
      b[p++] = n >>> 8;
      b[p++] = n & 0xff;
    } else if (n < TWO_32) {
      b[p++] = m | 26;
      b[p++] = n >>> 24;
      b[p++] = (n >>> 16) & 0xff;
      b[p++] = (n >>> 8) & 0xff;
      b[p++] = n & 0xff;
    } else {
      const hi = Math.floor(n / TWO_32);
      const lo = n >>> 0;
      b[p++] = m | 27;
      b[p++] = hi >>> 24;
      b[p++] = (hi >>> 16) & 0xff;
      b[p++] = (hi >>> 8) & 0xff;
      b[p++] = hi & 0xff;
      b[p++] = lo >>> 24;
      b[p++] = (lo >>> 16) & 0xff;
      b[p++] = (lo >>> 8) & 0xff;
      b[p++] = lo & 0xff;
    }
    this.#pos = p;
  }

  /** Writes the unsigned integer `n`. */
  uint(n: number): void {
    this.head(MAJOR_UINT, n);
  }

  /** Writes `b` as a byte string. */
  bytes(b: Uint8Array): void {
    this.head(MAJOR_BYTES, b.length);
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }

  /** Writes `s` as a UTF-8 text string; throws MALFORMED if `s` holds a lone surrogate (not encodable). */
  text(s: string): void {
    const n = utf8Length(s);
    this.head(MAJOR_TEXT, n);
    this.#ensure(n);
    const b = this.#buf;
    let p = this.#pos;
    if (n === s.length) {
      for (let i = 0; i < s.length; i++) b[p++] = s.charCodeAt(i);
    } else {
      for (let i = 0; i < s.length; i++) {
        let c = s.charCodeAt(i);
        if (c < 0x80) {
          b[p++] = c;
        } else if (c < 0x800) {
          b[p++] = 0xc0 | (c >> 6);
          b[p++] = 0x80 | (c & 0x3f);
        } else if (c >= 0xd800 && c <= 0xdbff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (s.charCodeAt(++i) - 0xdc00);
          b[p++] = 0xf0 | (c >> 18);
          b[p++] = 0x80 | ((c >> 12) & 0x3f);
          b[p++] = 0x80 | ((c >> 6) & 0x3f);
          b[p++] = 0x80 | (c & 0x3f);
        } else {
          b[p++] = 0xe0 | (c >> 12);
          b[p++] = 0x80 | ((c >> 6) & 0x3f);
          b[p++] = 0x80 | (c & 0x3f);
        }
      }
    }
    this.#pos = p;
  }

  /** Writes false or true. */
  bool(v: boolean): void {
    this.#ensure(1);
    this.#buf[this.#pos++] = v ? 0xf5 : 0xf4;
  }

  /** Writes the head of a map of `n` pairs; the caller then writes n sorted key/value pairs. */
  mapHead(n: number): void {
    this.head(MAJOR_MAP, n);
  }

  /** Writes the head of an array of `n` items. */
  arrayHead(n: number): void {
    this.head(MAJOR_ARRAY, n);
  }

  /** Appends bytes that already are a deterministic CBOR encoding. */
  raw(b: Uint8Array): void {
    this.#ensure(b.length);
    this.#buf.set(b, this.#pos);
    this.#pos += b.length;
  }
}

/** The UTF-8 length of `s`; throws MALFORMED if `s` holds a lone surrogate (RFC 8949 §3.1: text is UTF-8). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      n += 1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const d = s.charCodeAt(i + 1);
      if (c > 0xdbff || !(d >= 0xdc00 && d <= 0xdfff)) throw malformed('cbor: text holds a lone UTF-16 surrogate');
      n += 2; // 2 UTF-16 units → 4 bytes
      i++;
    } else {
      n += 2;
    }
  }
  return n;
}

/** Compares two byte strings in bytewise lexicographic order (RFC 8949 §4.2.1 map key order). */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

const keyScratch = new CborWriter(64);

/** The deterministic encoding of the text string `key`. */
export function encodeKey(key: string): Uint8Array {
  keyScratch.reset();
  keyScratch.text(key);
  return keyScratch.finish();
}

function isPlainRecord(v: object): v is CborRecord {
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function writeValue(w: CborWriter, v: CborValue, depth: number): void {
  if (depth > CBOR_LIMITS.maxDepth) throw malformed(`cbor: nesting deeper than ${CBOR_LIMITS.maxDepth}`);
  switch (typeof v) {
    case 'number':
      w.uint(v);
      return;
    case 'string':
      w.text(v);
      return;
    case 'boolean':
      w.bool(v);
      return;
    case 'object':
      break;
    default:
      throw malformed(`cbor: cannot encode a value of type ${typeof v}`);
  }
  if (v === null) throw malformed('cbor: cannot encode null');
  if (v instanceof Uint8Array) {
    w.bytes(v);
    return;
  }
  if (Array.isArray(v)) {
    const items = v as readonly CborValue[];
    w.arrayHead(items.length);
    for (const item of items) writeValue(w, item, depth + 1);
    return;
  }
  let pairs: [Uint8Array, CborValue][];
  if (v instanceof Map) {
    pairs = [];
    for (const [k, x] of v as ReadonlyMap<unknown, CborValue>) {
      if (typeof k !== 'string') throw malformed('cbor: map keys must be text strings');
      pairs.push([encodeKey(k), x]);
    }
  } else if (isPlainRecord(v)) {
    pairs = [];
    for (const k of Object.keys(v)) {
      const x = v[k];
      if (x !== undefined) pairs.push([encodeKey(k), x]);
    }
  } else {
    throw malformed('cbor: cannot encode an object of this class');
  }
  // RFC 8949 §4.2.1: "The keys in every map MUST be sorted in the bytewise lexicographic order of their
  // deterministic encodings." Map and object keys are unique strings, so no two encodings are equal.
  pairs.sort((a, b) => compareBytes(a[0], b[0]));
  w.mapHead(pairs.length);
  for (const [k, x] of pairs) {
    w.raw(k);
    writeValue(w, x, depth + 1);
  }
}

/** The RFC 8949 §4.2.1 deterministic encoding of `value`; throws MALFORMED for values outside the subset. */
export function encodeCanonical(value: CborValue): Uint8Array {
  const w = new CborWriter();
  writeValue(w, value, 0);
  return w.finish();
}

// ───────────────────────────────── decoding ─────────────────────────────────

function fail(at: number, reason: string): never {
  throw malformed(`cbor: ${reason} at byte ${at}`, { offset: at });
}

/** True iff b[start:end] is well-formed UTF-8 (RFC 3629: shortest form, no surrogates, ≤ U+10FFFF). */
export function isWellFormedUtf8(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = b[i];
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) {
      n = 1;
    } else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0; // no overlong 3-byte forms
      if (c === 0xed) hi = 0x9f; // no surrogates U+D800–U+DFFF
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90; // no overlong 4-byte forms
      if (c === 0xf4) hi = 0x8f; // nothing above U+10FFFF
    } else {
      return false;
    }
    if (i + n >= end) return false; // truncated sequence
    const c1 = b[i + 1];
    if (c1 < lo || c1 > hi) return false;
    for (let j = 2; j <= n; j++) if ((b[i + j] & 0xc0) !== 0x80) return false;
    i += n + 1;
  }
  return true;
}

/**
 * Validates that `b` holds exactly one item of the supported subset in deterministic form; throws
 * MALFORMED naming the first problem and its byte offset.
 */
function validate(b: Uint8Array): void {
  const end = b.length;
  let pos = 0;

  // Reads one head at `pos`; returns [major, argument]. Rejects what the subset or §4.2.1 forbids.
  const readHead = (): [number, number] => {
    const at = pos;
    if (pos >= end) fail(at, 'unexpected end of input');
    const ib = b[pos++];
    const major = ib >> 5;
    const ai = ib & 0x1f;
    if (major === 1) fail(at, 'negative integers are not allowed');
    if (major === 6) fail(at, `tags are not allowed (tag head 0x${ib.toString(16)})`);
    if (major === 7) {
      if (ai === 20 || ai === 21) return [7, ai];
      if (ai === 22) fail(at, 'null is not allowed');
      if (ai === 23) fail(at, 'undefined is not allowed');
      if (ai >= 25 && ai <= 27) fail(at, 'floating-point numbers are not allowed');
      if (ai === 31) fail(at, 'unexpected break code');
      fail(at, 'simple values other than false and true are not allowed');
    }
    if (ai < 24) return [major, ai];
    if (ai === 31) fail(at, 'indefinite-length items are not allowed');
    if (ai > 27) fail(at, `reserved additional information ${ai}`);
    const n = 1 << (ai - 24); // 1, 2, 4 or 8 argument bytes
    if (end - pos < n) fail(at, 'unexpected end of input in an item head');
    let arg: number;
    if (n === 1) {
      arg = b[pos];
      if (arg < 24) fail(at, 'integer head is not as short as possible');
    } else if (n === 2) {
      arg = (b[pos] << 8) | b[pos + 1];
      if (arg < 0x100) fail(at, 'integer head is not as short as possible');
    } else if (n === 4) {
      arg = (b[pos] * 0x1000000 + ((b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3]));
      if (arg < 0x10000) fail(at, 'integer head is not as short as possible');
    } else {
      const hi = b[pos] * 0x1000000 + ((b[pos + 1] << 16) | (b[pos + 2] << 8) | b[pos + 3]);
      const lo = b[pos + 4] * 0x1000000 + ((b[pos + 5] << 16) | (b[pos + 6] << 8) | b[pos + 7]);
      if (hi > 0x1fffff) fail(at, 'integer larger than 2^53 − 1');
      arg = hi * TWO_32 + lo;
      if (arg < TWO_32) fail(at, 'integer head is not as short as possible');
    }
    pos += n;
    return [major, arg];
  };

  const item = (depth: number): void => {
    const at = pos;
    const [major, arg] = readHead();
    switch (major) {
      case MAJOR_UINT:
      case 7:
        return;
      case MAJOR_BYTES:
      case MAJOR_TEXT:
        if (arg > end - pos) fail(at, 'string length exceeds the input');
        if (major === MAJOR_TEXT && !isWellFormedUtf8(b, pos, pos + arg)) fail(at, 'text string is not well-formed UTF-8');
        pos += arg;
        return;
      case MAJOR_ARRAY:
        if (depth >= CBOR_LIMITS.maxDepth) fail(at, `nesting deeper than ${CBOR_LIMITS.maxDepth}`);
        if (arg > end - pos) fail(at, 'array length exceeds the input'); // each item takes ≥ 1 byte
        for (let i = 0; i < arg; i++) item(depth + 1);
        return;
      case MAJOR_MAP: {
        if (depth >= CBOR_LIMITS.maxDepth) fail(at, `nesting deeper than ${CBOR_LIMITS.maxDepth}`);
        if (arg > (end - pos) / 2) fail(at, 'map length exceeds the input'); // each pair takes ≥ 2 bytes
        let prevStart = -1;
        let prevEnd = -1;
        for (let i = 0; i < arg; i++) {
          const keyStart = pos;
          if (pos < end && b[pos] >> 5 !== MAJOR_TEXT) fail(keyStart, 'map keys must be text strings');
          item(depth + 1);
          const keyEnd = pos;
          if (prevStart >= 0) {
            const c = compareBytes(b.subarray(prevStart, prevEnd), b.subarray(keyStart, keyEnd));
            if (c === 0) fail(keyStart, 'duplicate map key');
            if (c > 0) fail(keyStart, 'map keys are not in deterministic (bytewise lexicographic) order');
          }
          prevStart = keyStart;
          prevEnd = keyEnd;
          item(depth + 1);
        }
        return;
      }
      default:
        fail(at, `unexpected major type ${major}`);
    }
  };

  item(0);
  if (pos !== end) fail(pos, `${end - pos} trailing bytes after the item`);
}

// cbor-x's Options type lacks int64AsNumber, which its Decoder reads (decode.js, case 0x1b).
const decoderOptions: CborXOptions & { int64AsNumber: boolean } = {
  useRecords: false, // no record extension (tags 0xe000…) — never in our input anyway
  structures: undefined,
  mapsAsObjects: false, // Map: no prototype keys, no key coercion
  bundleStrings: false,
  copyBuffers: true, // byte strings must not alias the caller's buffer
  int64AsNumber: true, // 8-byte integers come back as numbers (validated ≤ 2^53 − 1 first)
  useFloat32: 0,
  sequential: false,
};
const cborx = new Decoder(decoderOptions);

/** Converts what cbor-x returned into a CborValue, refusing anything of another shape. */
function fromCborX(v: unknown): CborValue {
  switch (typeof v) {
    case 'number':
      if (!Number.isSafeInteger(v) || v < 0) break;
      return v;
    case 'string':
    case 'boolean':
      return v;
    case 'object':
      if (v instanceof Uint8Array) return Object.getPrototypeOf(v) === Uint8Array.prototype ? v : new Uint8Array(v);
      if (Array.isArray(v)) return v.map(fromCborX);
      if (v instanceof Map) {
        const m = new Map<string, CborValue>();
        for (const [k, x] of v as Map<unknown, unknown>) {
          if (typeof k !== 'string') break;
          m.set(k, fromCborX(x));
        }
        if (m.size === v.size) return m;
      }
      break;
    default:
      break;
  }
  throw malformed('cbor: decoder produced a value outside the supported subset');
}

/**
 * The value encoded by `bytes`, which must be exactly one item of the supported subset in RFC 8949
 * §4.2.1 deterministic form; throws MALFORMED with a reason otherwise, TOO_LARGE beyond the size limit.
 */
export function decodeCanonical(bytes: Uint8Array, options: DecodeOptions = {}): CborValue {
  if (!(bytes instanceof Uint8Array)) throw malformed('cbor: input is not a byte array');
  const maxBytes = options.maxBytes ?? CBOR_LIMITS.maxBytes;
  if (bytes.length > maxBytes) {
    throw new StamplogError('TOO_LARGE', `cbor: ${bytes.length} bytes exceed the limit of ${maxBytes}`);
  }
  validate(bytes);
  let decoded: unknown;
  try {
    // A fresh view: cbor-x caches a DataView as a property on the object it is given.
    decoded = cborx.decode(bytes.subarray(0));
  } catch (e) {
    throw new StamplogError('MALFORMED', `cbor: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const value = fromCborX(decoded);
  // Belt and braces: whatever cbor-x built must re-encode to exactly the input.
  const again = encodeCanonical(value);
  if (compareBytes(again, bytes) !== 0) throw malformed('cbor: input is not in deterministic form (re-encoding differs)');
  return value;
}
