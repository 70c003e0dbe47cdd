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
 * Encoding writes items with CborWriter (cborwriter.ts), map keys sorted. Decoding is strict and
 * three-layered: (1) a single-pass check (cborcheck.ts) walks the bytes and rejects, with a reason and a
 * byte offset, anything outside the value set or not in deterministic form; (2) cbor-x, the
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
import { StamplogError, malformed } from '../base/index.ts';
import { checkDeterministic } from './cborcheck.ts';
import { CborWriter, compareBytes, encodeKey } from './cborwriter.ts';

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

// ───────────────────────────────── encoding ─────────────────────────────────

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
  checkDeterministic(bytes, CBOR_LIMITS.maxDepth);
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
