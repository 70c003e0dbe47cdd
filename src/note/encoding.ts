/**
 * The text encodings shared by every format in src/note/: strict standard base64, strict UTF-8 and
 * canonical decimals.
 *
 * - Base64 is RFC 4648 §4 (alphabet `A–Z a–z 0–9 + /`, `=` padding), which every C2SP spec in this
 *   folder uses. Decoding is canonical-only: the length is a multiple of 4, padding appears only at
 *   the end, and the unused bits of the last symbol are zero (RFC 4648 §3.5), so one byte string has
 *   exactly one accepted encoding. Go's encoding/base64 is laxer (it skips CR/LF and ignores
 *   non-zero trailing bits); no encoder produces those forms, so rejecting them only removes
 *   malleability.
 * - UTF-8 is decoded with a fatal decoder that keeps a leading BOM (a BOM is part of the signed
 *   bytes, never silently dropped). JavaScript strings handed to us must be well-formed UTF-16 (no
 *   lone surrogates), otherwise encoding them would silently substitute U+FFFD.
 * - Decimals are ASCII digits with no sign, no leading zeros (except `0` itself) and no whitespace,
 *   at most Number.MAX_SAFE_INTEGER, so that `String(parse(s)) === s` always holds.
 *
 * Every failure is a StamplogError with code MALFORMED.
 */
import { malformed, StamplogError, fromBase64, toBase64 } from '../base/index.ts';

/** The standard, padded base64 encoding (RFC 4648 §4) of `bytes`. */
export function base64Encode(bytes: Uint8Array): string {
  return toBase64(bytes);
}

/**
 * The bytes whose canonical standard base64 encoding is exactly `s`; throws MALFORMED (naming
 * `what`) for any other string, including non-zero trailing bits and misplaced padding.
 */
export function base64Decode(s: string, what = 'base64'): Uint8Array {
  if (typeof s !== 'string') throw malformed(`${what}: not a string`);
  if (s.length % 4 !== 0) throw malformed(`${what}: base64 length is not a multiple of 4`);
  const out = fromBase64(s);
  if (out === undefined) throw malformed(`${what}: not canonical standard base64`);
  return out;
}

const utf8Decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const utf8Encoder = new TextEncoder();

/** The string that the bytes `bytes` encode as UTF-8; throws MALFORMED (naming `what`) on invalid UTF-8. */
export function utf8Decode(bytes: Uint8Array, what = 'text'): string {
  try {
    return utf8Decoder.decode(bytes);
  } catch (cause) {
    throw new StamplogError('MALFORMED', `${what}: not valid UTF-8`, { cause });
  }
}

/** The UTF-8 encoding of `s`, which must be well-formed (see {@link isWellFormed}). */
export function utf8Encode(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

/**
 * The offset of the first character of `s` below U+0020 (or U+007F when `del` is true) that is not
 * in `allowed`, or -1.
 */
export function findControl(s: string, allowed: string, del = false): number {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if ((c < 0x20 || (del && c === 0x7f)) && !allowed.includes(s[i])) return i;
  }
  return -1;
}

const LONE_SURROGATE = /\p{Cs}/u;

/** True iff `s` has no lone surrogates, i.e. it is exactly representable in UTF-8. */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * Converts a caller's input (a string or UTF-8 bytes) to a string and its UTF-8 bytes, enforcing a
 * byte-size cap before any large allocation; throws TOO_LARGE above `maxBytes`, MALFORMED on bad text.
 */
export function textAndBytes(input: string | Uint8Array, maxBytes: number, what: string): { text: string; bytes: Uint8Array } {
  if (input instanceof Uint8Array) {
    if (input.length > maxBytes) throw tooLarge(what, maxBytes);
    return { text: utf8Decode(input, what), bytes: input };
  }
  if (typeof input !== 'string') throw malformed(`${what}: expected a string or bytes`);
  // Every UTF-16 code unit encodes to at least one UTF-8 byte, so this bound is safe to check first.
  if (input.length > maxBytes) throw tooLarge(what, maxBytes);
  if (!isWellFormed(input)) throw malformed(`${what}: contains a lone surrogate (not representable in UTF-8)`);
  const bytes = utf8Encode(input);
  if (bytes.length > maxBytes) throw tooLarge(what, maxBytes);
  return { text: input, bytes };
}


function tooLarge(what: string, maxBytes: number): StamplogError {
  return new StamplogError('TOO_LARGE', `${what}: larger than ${maxBytes} bytes`, { details: { maxBytes } });
}

/** Canonical decimals are parsed in one place for the whole project. */
export { parseDecimal } from '../base/index.ts';

/** True iff `n` is an integer in [0, 2^53 − 1], the range every count and index here may take. */
export function isUint53(n: unknown): n is number {
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0;
}

/** Big-endian uint32 at `offset` of `b` (the caller guarantees 4 bytes are there). */
export function readUint32BE(b: Uint8Array, offset: number): number {
  return ((b[offset] << 24) | (b[offset + 1] << 16) | (b[offset + 2] << 8) | b[offset + 3]) >>> 0;
}

/** Writes `n` (a uint32) big-endian at `offset` of `b`. */
export function writeUint32BE(b: Uint8Array, offset: number, n: number): void {
  b[offset] = n >>> 24;
  b[offset + 1] = (n >>> 16) & 255;
  b[offset + 2] = (n >>> 8) & 255;
  b[offset + 3] = n & 255;
}

/** The concatenation of `parts` and byte equality (shared with the rest of the project in src/base/bytes.ts). */
export { bytesEqual, concatBytes } from '../base/index.ts';
