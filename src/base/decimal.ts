/**
 * Canonical decimals, the one spelling of a count, index or size that stamplog accepts from anywhere (URLs,
 * checkpoints, note bodies, command lines, stored records): ASCII digits, no sign, no leading zero, no spaces,
 * at most 2^53 − 1, so that `String(parseCanonicalDecimal(s)) === s` always holds. Every parser of such a
 * number goes through here, so the rule is written once.
 */
import { StamplogError } from './errors.ts';

/** The grammar, for parsers that match a larger pattern around a decimal. Sixteen digits at most. */
export const CANONICAL_DECIMAL = '(?:0|[1-9][0-9]{0,15})';

const WHOLE = new RegExp(`^${CANONICAL_DECIMAL}$`);

/** The value of `s` if it is a canonical decimal ≤ 2^53 − 1, else undefined. */
export function canonicalDecimal(s: unknown): number | undefined {
  if (typeof s !== 'string' || !WHOLE.test(s)) return undefined;
  const n = Number(s);
  return Number.isSafeInteger(n) ? n : undefined;
}

/**
 * The value of the canonical decimal `s` (no sign, no leading zeros, no spaces, ≤ 2^53 − 1);
 * throws MALFORMED (naming `what`) for anything else.
 */
export function parseDecimal(s: unknown, what: string): number {
  if (typeof s !== 'string' || !WHOLE.test(s)) throw new StamplogError('MALFORMED', `${what}: not a canonical decimal`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw new StamplogError('MALFORMED', `${what}: larger than 2^53 - 1`);
  return n;
}
