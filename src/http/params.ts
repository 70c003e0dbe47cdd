/**
 * Strict parsing of request parameters: numbers are canonical decimals only (`String(n) === text`, so no
 * "+5", " 5", "05", "5.0" or "1e3"), within safe integers; hashes exactly 64 lowercase hex digits.
 */
import { StamplogError, canonicalDecimal } from '../base/index.ts';
import { fromHex } from '../leaf/index.ts';

/** The non-negative integer in `text`, named `what` in errors; MALFORMED unless canonical and ≤ 2^53 − 1. */
export function parseIndex(text: unknown, what: string): number {
  const n = canonicalDecimal(text);
  if (n === undefined) throw new StamplogError('MALFORMED', `${what}: expected a canonical non-negative decimal integer ≤ 2^53 − 1`);
  return n;
}

/** Like parseIndex, but `undefined` when the parameter is absent. */
export function optionalIndex(text: unknown, what: string): number | undefined {
  return text === undefined ? undefined : parseIndex(text, what);
}

/** The 32 bytes of a 64-digit lowercase hex `text`. */
export function parseHash(text: unknown, what: string): Uint8Array {
  const b = typeof text === 'string' ? fromHex(text, 32) : undefined;
  if (b === undefined) throw new StamplogError('MALFORMED', `${what}: expected 64 lowercase hex digits`);
  return b;
}

/** A text query parameter of at most `max` characters, without control characters. */
export function parseText(text: unknown, what: string, max: number): string {
  if (typeof text !== 'string' || text.length === 0 || text.length > max || /\p{Cc}/u.test(text)) {
    throw new StamplogError('MALFORMED', `${what}: expected 1 to ${max} characters without control characters`);
  }
  return text;
}
