/**
 * The text encodings of the entry wire JSON (DESIGN §4), each with exactly one accepted spelling per
 * value so that parsing and printing round-trip:
 *   hex, base64  see src/bytes.ts (lowercase hex; canonical standard base64)
 *   time     RFC 3339 §5.6 UTC "YYYY-MM-DDTHH:MM:SS[.fraction]Z", upper-case T and Z, 1970 ≤ year ≤ 9999,
 *            no leap second, fraction of 1–9 digits (digits beyond the millisecond are dropped: the leaf
 *            stores ms); printed as Date#toISOString does ("…SS.sssZ").
 * Parsers return undefined for a bad spelling (callers name the field in their error).
 */

export { toHex, fromHex, toBase64, fromBase64 } from '../bytes.ts';

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
