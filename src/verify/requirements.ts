/**
 * What a user requires of an artifact beyond "it is logged" (DESIGN §5 policy flags), and the parsers of
 * their command-line spellings:
 *
 *     publisher key   [<project>=]<vkey | base64 key>     repeatable; unprefixed keys apply to every project
 *     vetters         <k>:<key>,<key>,…                   k of the listed keys must have vetted the artifact
 *     minimum age     <n><unit>, unit s|m|h|d|w           e.g. 90m, 72h, 7d; the entry's log time must be that old
 *
 * Keys are verifier key strings (`name+id+base64`, type 0x01) or the standard base64 of a raw 32-byte
 * Ed25519 key (what an entry's `sig.key` holds). A pin's project is matched by its PEP 503 key (projectKey):
 * `Requests=K` pins the key of the project the index calls `requests`.
 */
import { StamplogError } from '../base/index.ts';
import { parsePublicKey } from './keys.ts';
import type { PublicKey } from './keys.ts';

/** A pinned publisher key, for one project or (project undefined) for all. */
export interface PublisherPin extends PublicKey {
  project?: string;
}

/** k of n vetters. */
export interface VetterRequirement {
  threshold: number;
  keys: readonly PublicKey[];
  /** Verdicts that count (default: reviewed, approved). */
  verdicts: readonly string[];
}

export interface ArtifactRequirements {
  /** Pinned publisher keys; empty means no publisher signature is required. */
  publisherKeys: readonly PublisherPin[];
  vetters?: VetterRequirement;
  /** Minimum age of the entry, ms. */
  minAgeMs?: number;
}

export const DEFAULT_VERDICTS: readonly string[] = ['reviewed', 'approved'];

function usage(message: string, cause?: unknown): StamplogError {
  return new StamplogError('MALFORMED', message, { cause, details: { check: 'usage' } });
}

/** Parses `[<project>=]<key>`. */
export function parsePublisherPin(s: string): PublisherPin {
  try {
    return parsePublicKey(s);
  } catch (first) {
    const at = s.indexOf('=');
    if (at <= 0) throw usage(`--publisher-key ${s}: ${(first as Error).message}`, first);
    const project = s.slice(0, at);
    try {
      return { project, ...parsePublicKey(s.slice(at + 1)) };
    } catch (e) {
      throw usage(`--publisher-key ${s}: ${(e as Error).message}`, e);
    }
  }
}

/** Parses `<k>:<key>,<key>,…` (1 ≤ k ≤ number of distinct keys). */
export function parseVetters(s: string, verdicts: readonly string[] = DEFAULT_VERDICTS): VetterRequirement {
  const m = /^([1-9][0-9]{0,3}):(.+)$/.exec(s);
  if (m === null) throw usage(`--vetters ${s}: expected <k>:<key>,<key>,…`);
  const threshold = Number(m[1]);
  const keys: PublicKey[] = [];
  for (const part of m[2].split(',')) {
    let k: PublicKey;
    try {
      k = parsePublicKey(part.trim());
    } catch (e) {
      throw usage(`--vetters: ${(e as Error).message}`, e);
    }
    if (!keys.some((x) => x.key.length === k.key.length && x.key.every((b, i) => b === k.key[i]))) keys.push(k);
  }
  if (threshold > keys.length) throw usage(`--vetters ${s}: ${threshold} of ${keys.length} distinct keys cannot be met`);
  return { threshold, keys, verdicts };
}

const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** Parses a duration like `90s`, `30m`, `72h`, `7d`, `2w` into ms. */
export function parseDuration(s: string): number {
  const m = /^([0-9]{1,9})(s|m|h|d|w)$/.exec(s);
  if (m === null) throw usage(`duration ${JSON.stringify(s)}: expected a number and a unit s, m, h, d or w (e.g. 72h)`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** A duration in ms as a short human text (`3d 4h`, `12m 5s`). */
export function formatDuration(ms: number): string {
  const neg = ms < 0;
  let s = Math.floor(Math.abs(ms) / 1000);
  const parts: string[] = [];
  for (const [unit, len] of [['d', 86_400], ['h', 3_600], ['m', 60], ['s', 1]] as const) {
    if (s >= len || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(s / len)}${unit}`);
      s %= len;
    }
    if (parts.length === 2) break;
  }
  return (neg ? '-' : '') + parts.join(' ');
}
