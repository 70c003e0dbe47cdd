/**
 * The text encodings of the entry wire JSON (DESIGN §4), each with exactly one accepted spelling per
 * value so that parsing and printing round-trip:
 *   hex      lowercase only, two digits per byte                  e.g. "00ff"
 *   base64   RFC 4648 §4 standard alphabet with "=" padding, unused bits zero (§3.5 canonical)
 *   time     RFC 3339 §5.6 UTC "YYYY-MM-DDTHH:MM:SS[.fraction]Z", upper-case T and Z, 1970 ≤ year ≤ 9999,
 *            no leap second, fraction of 1–9 digits (digits beyond the millisecond are dropped: the leaf
 *            stores ms); printed as Date#toISOString does ("…SS.sssZ").
 * Parsers return undefined for a bad spelling (callers name the field in their error).
 */

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Lowercase hex of `b`. */
export function toHex(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i++) s += HEX[b[i]];
  return s;
}

function hexNibble(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30; // 0-9
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10; // a-f (lowercase only)
  return -1;
}

/** The bytes spelled by `s` in lowercase hex, or undefined if `s` is not exactly that (of `length` bytes if given). */
export function fromHex(s: string, length?: number): Uint8Array | undefined {
  if (s.length % 2 !== 0 || (length !== undefined && s.length !== 2 * length)) return undefined;
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) {
    const hi = hexNibble(s.charCodeAt(2 * i));
    const lo = hexNibble(s.charCodeAt(2 * i + 1));
    if (hi < 0 || lo < 0) return undefined;
    out[i] = (hi << 4) | lo;
  }
  return out;
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_INDEX[B64.charCodeAt(i)] = i;

/** Standard padded base64 of `b` (RFC 4648 §4). */
export function toBase64(b: Uint8Array): string {
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

function b64(s: string, i: number): number {
  const c = s.charCodeAt(i);
  return c < 128 ? B64_INDEX[c] : -1;
}

/**
 * The bytes of the canonical standard base64 string `s` (padding required, unused bits zero, no
 * whitespace), of `length` bytes if given; undefined otherwise.
 */
export function fromBase64(s: string, length?: number): Uint8Array | undefined {
  if (s.length % 4 !== 0) return undefined;
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

/** The largest time the RFC 3339 form can carry here: 9999-12-31T23:59:59.999Z, in ms. */
export const MAX_RFC3339_MS = 253_402_300_799_999;

const RFC3339_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?Z$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Milliseconds since the epoch of the RFC 3339 UTC time `s` (the one spelling above), or undefined. */
export function parseRfc3339Utc(s: string): number | undefined {
  const m = RFC3339_UTC.exec(s);
  if (m === null) return undefined;
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59) return undefined; // RFC 3339 allows :60; ms time cannot hold it
  const ms = m[7] === undefined ? 0 : Number(m[7].padEnd(3, '0').slice(0, 3));
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** The RFC 3339 UTC spelling of `ms` (0 ≤ ms ≤ MAX_RFC3339_MS), e.g. "2024-05-29T15:37:47.000Z". */
export function formatRfc3339Utc(ms: number): string {
  return new Date(ms).toISOString();
}
