/**
 * The text encodings of the entry wire JSON (DESIGN §4), each with exactly one accepted spelling per
 * value so that parsing and printing round-trip:
 *   hex, base64  see src/base/bytes.ts (lowercase hex; canonical standard base64)
 *   time     RFC 3339 §5.6 UTC "YYYY-MM-DDTHH:MM:SS[.fraction]Z", upper-case T and Z, 1970 ≤ year ≤ 9999,
 *            no leap second, fraction of 1–9 digits (digits beyond the millisecond are dropped: the leaf
 *            stores ms); printed as Date#toISOString does ("…SS.sssZ").
 * Parsers return undefined for a bad spelling (callers name the field in their error).
 */

export { toHex, fromHex, toBase64, fromBase64 } from '../base/index.ts';

/** The largest time the RFC 3339 form can carry here: 9999-12-31T23:59:59.999Z, in ms. */
export const MAX_RFC3339_MS = 253_402_300_799_999;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** The value of the `n` ASCII digits of `s` from `at`, or -1 if one of them is not a digit. */
function digitsAt(s: string, at: number, n: number): number {
  let v = 0;
  for (let i = at; i < at + n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    v = v * 10 + d;
  }
  return v;
}

/**
 * Milliseconds since the epoch of the RFC 3339 UTC time `s` (the one spelling above), or undefined. Read by
 * position, "YYYY-MM-DDTHH:MM:SS" then an optional "." and 1–9 digits, then "Z": every submission with an upload
 * time comes through here, and a regex with its match arrays costs several times as much (docs/benchmarks.md).
 */
export function parseRfc3339Utc(s: string): number | undefined {
  if (typeof s !== 'string') return undefined;
  const n = s.length;
  if (n < 20 || n > 30 || s.charCodeAt(n - 1) !== 0x5a /* Z */) return undefined;
  if (s.charCodeAt(4) !== 0x2d || s.charCodeAt(7) !== 0x2d || s.charCodeAt(10) !== 0x54 || s.charCodeAt(13) !== 0x3a || s.charCodeAt(16) !== 0x3a) {
    return undefined; // - - T : :
  }
  const year = digitsAt(s, 0, 4);
  const month = digitsAt(s, 5, 2);
  const day = digitsAt(s, 8, 2);
  const hour = digitsAt(s, 11, 2);
  const minute = digitsAt(s, 14, 2);
  const second = digitsAt(s, 17, 2);
  let ms = 0;
  if (n > 20) {
    // ".", then 1–9 digits; digits beyond the millisecond are dropped (the leaf stores ms).
    const fraction = n - 21;
    if (s.charCodeAt(19) !== 0x2e || fraction < 1 || digitsAt(s, 20, fraction) < 0) return undefined;
    ms = digitsAt(s, 20, Math.min(fraction, 3)) * (fraction === 1 ? 100 : fraction === 2 ? 10 : 1);
  }
  if (year < 1970 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour < 0 || hour > 23 || minute < 0 || minute > 59 || second < 0 || second > 59) return undefined; // RFC 3339 allows :60; ms time cannot hold it
  return Date.UTC(year, month - 1, day, hour, minute, second, ms);
}

/** The RFC 3339 UTC spelling of `ms` (0 ≤ ms ≤ MAX_RFC3339_MS), e.g. "2024-05-29T15:37:47.000Z". */
export function formatRfc3339Utc(ms: number): string {
  return new Date(ms).toISOString();
}
