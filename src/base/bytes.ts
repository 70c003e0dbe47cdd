/**
 * Hex and base64 for the whole project, with exactly one accepted spelling per value:
 *   hex      lowercase only, two digits per byte                                  e.g. "00ff"
 *   base64   RFC 4648 §4 standard alphabet, "=" padding, unused bits zero (§3.5)
 * Decoders return undefined for any other spelling (callers name the field in their own error). On Node.js the
 * encoders and decoders use Buffer (native code, several times faster for the many hashes and leaves a log
 * prints); elsewhere a portable implementation with the same results (cross-checked in test/base/bytes.test.ts).
 */

type BufferLike = { from(data: ArrayBufferLike | string, offsetOrEncoding?: number | string, length?: number): { toString(enc: string): string; length: number; buffer: ArrayBufferLike; byteOffset: number } };
const NodeBuffer = (globalThis as { Buffer?: BufferLike }).Buffer;

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));
const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;
/** The value of each lowercase hex digit by character code, -1 for every other character. */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE['0123456789abcdef'.charCodeAt(i)] = i;

/** Lowercase hex of `b` (portable implementation). */
export function toHexPortable(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

/** Standard padded base64 of `b` (portable implementation). */
export function toBase64Portable(b: Uint8Array): string {
  let s = '';
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const n = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + B64[n & 63];
  }
  if (i + 1 === b.length) {
    const n = b[i] << 16;
    s += B64[n >> 18] + B64[(n >> 12) & 63] + '==';
  } else if (i + 2 === b.length) {
    const n = (b[i] << 16) | (b[i + 1] << 8);
    s += B64[n >> 18] + B64[(n >> 12) & 63] + B64[(n >> 6) & 63] + '=';
  }
  return s;
}

/** Lowercase hex of `b`. */
export const toHex: (b: Uint8Array) => string =
  NodeBuffer === undefined ? toHexPortable : (b) => NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');

/** Standard padded base64 of `b` (RFC 4648 §4). */
export const toBase64: (b: Uint8Array) => string =
  NodeBuffer === undefined ? toBase64Portable : (b) => NodeBuffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');

/**
 * The bytes spelled by `s` in lowercase hex, or undefined if `s` is not exactly that (of `length` bytes if given).
 * One pass over the character codes: every submission's digest comes through here, and a validating regex
 * followed by Buffer's decoder costs several times as much (docs/benchmarks.md).
 */
export function fromHex(s: string, length?: number): Uint8Array | undefined {
  if (typeof s !== 'string' || s.length % 2 !== 0 || (length !== undefined && s.length !== 2 * length)) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0, j = 0; i < out.length; i++, j += 2) {
    const hi = s.charCodeAt(j);
    const lo = s.charCodeAt(j + 1);
    const h = hi < 128 ? HEX_VALUE[hi] : -1;
    const l = lo < 128 ? HEX_VALUE[lo] : -1;
    if ((h | l) < 0) return undefined;
    out[i] = (h << 4) | l;
  }
  return out;
}

function b64(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? B64_INDEX[c] : -1;
}

/** Portable canonical base64 decoding (see fromBase64). */
export function fromBase64Portable(s: string, length?: number): Uint8Array | undefined {
  if (typeof s !== 'string' || s.length % 4 !== 0) return undefined;
  const pad = s.endsWith('==') ? 2 : s.endsWith('=') ? 1 : 0;
  const n = (s.length / 4) * 3 - pad;
  if (length !== undefined && n !== length) return undefined;
  const out = new Uint8Array(n);
  let o = 0;
  const full = pad === 0 ? s.length : s.length - 4;
  for (let i = 0; i < full; i += 4) {
    const a = b64(s, i);
    const b = b64(s, i + 1);
    const c = b64(s, i + 2);
    const d = b64(s, i + 3);
    if ((a | b | c | d) < 0) return undefined;
    const v = (a << 18) | (b << 12) | (c << 6) | d;
    out[o++] = v >> 16;
    out[o++] = (v >> 8) & 0xff;
    out[o++] = v & 0xff;
  }
  if (pad > 0) {
    const a = b64(s, full);
    const b = b64(s, full + 1);
    if ((a | b) < 0) return undefined;
    out[o] = (a << 2) | (b >> 4);
    if (pad === 2) {
      if ((b & 0x0f) !== 0) return undefined; // RFC 4648 §3.5: pad bits must be zero
    } else {
      const c = b64(s, full + 2);
      if (c < 0 || (c & 0x03) !== 0) return undefined;
      out[o + 1] = ((b & 0x0f) << 4) | (c >> 2);
    }
  }
  return out;
}

/**
 * The bytes of the canonical standard base64 string `s` (padding required, unused bits zero, no whitespace or
 * other characters), of `length` bytes if given; undefined otherwise.
 */
export function fromBase64(s: string, length?: number): Uint8Array | undefined {
  if (NodeBuffer === undefined) return fromBase64Portable(s, length);
  if (typeof s !== 'string' || s.length % 4 !== 0) return undefined;
  const b = NodeBuffer.from(s, 'base64');
  if (length !== undefined && b.length !== length) return undefined;
  // Buffer's decoder is lenient (skips unknown characters, ignores trailing bits): accept only the one
  // canonical spelling, the one that encodes back to exactly `s`.
  if (b.toString('base64') !== s) return undefined;
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
}

const B64_CODES = Uint8Array.from(B64, (c) => c.charCodeAt(0));
const ascii = new TextDecoder('latin1');
let linesScratch = new Uint8Array(64 * 45);

/**
 * The standard base64 of each 32-byte hash in `hashes`, each followed by "\n", as one string. Receipts print
 * a dozen or more hashes each, thousands per second: writing them into one byte buffer and decoding once is
 * several times faster than encoding each hash into its own string. Throws RangeError unless every hash has
 * 32 bytes (callers check first).
 */
export function hashLinesBase64(hashes: readonly Uint8Array[]): string {
  const need = hashes.length * 45;
  if (linesScratch.length < need) linesScratch = new Uint8Array(need);
  const out = linesScratch;
  let o = 0;
  for (const h of hashes) {
    if (h.length !== 32) throw new RangeError('hashLinesBase64: a hash is not 32 bytes');
    let i = 0;
    for (; i < 30; i += 3) {
      const n = (h[i] << 16) | (h[i + 1] << 8) | h[i + 2];
      out[o++] = B64_CODES[n >> 18];
      out[o++] = B64_CODES[(n >> 12) & 63];
      out[o++] = B64_CODES[(n >> 6) & 63];
      out[o++] = B64_CODES[n & 63];
    }
    const n = (h[30] << 16) | (h[31] << 8);
    out[o++] = B64_CODES[n >> 18];
    out[o++] = B64_CODES[(n >> 12) & 63];
    out[o++] = B64_CODES[(n >> 6) & 63];
    out[o++] = 0x3d; // '='
    out[o++] = 0x0a; // '\n'
  }
  return ascii.decode(out.subarray(0, o));
}

/** True iff `a` and `b` hold the same bytes (lengths included). Not constant-time: for public values only. */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The concatenation of `parts`, in a new array. */
export function concatBytes(...parts: Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
