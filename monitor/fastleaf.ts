/**
 * A fast path for strict leaf decoding, for audits of millions of leaves. src/leaf's decodeLeaf (the reference,
 * about 30 µs a leaf) validates through a general CBOR decoder; here a minimal reader of the few CBOR items a
 * leaf uses (unsigned integers, byte and text strings, maps, `true`) builds a candidate Entry, and the leaf is
 * accepted only if src/leaf's own encodeLeaf(candidate), which validates the entry and writes the one
 * deterministic encoding (RFC 8949 §4.2.1), gives back exactly the input bytes. So the fast path accepts exactly
 * canonical encodings of valid entries, which is what decodeLeaf accepts; everything else (any reader failure,
 * any difference) falls back to decodeLeaf, which gives the error or, for a shape this reader does not know,
 * the entry. monitor/test/fastleaf.test.ts checks both paths agree on valid and mutated leaves.
 */
import { StamplogError } from '../src/errors.ts';
import { decodeLeaf, encodeLeaf } from '../src/leaf/index.ts';
import type { Entry } from '../src/leaf/index.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

class Stop extends Error {}
const STOP = new Stop();

type Item = number | string | Uint8Array | boolean | Map<string, Item>;

/** Reads one item at `r.at` (major types 0, 2, 3, 5 and `true`/`false`; lengths below 2^32). */
function item(b: Uint8Array, r: { at: number }, depth: number): Item {
  if (r.at >= b.length || depth > 3) throw STOP;
  const head = b[r.at++];
  const major = head >> 5;
  const info = head & 31;
  if (major === 7) {
    if (info === 21) return true;
    if (info === 20) return false;
    throw STOP;
  }
  let n: number;
  if (info < 24) n = info;
  else if (info === 24) n = b[r.at++];
  else if (info === 25) n = (b[r.at++] << 8) | b[r.at++];
  else if (info === 26) n = ((b[r.at++] << 24) >>> 0) + ((b[r.at++] << 16) | (b[r.at++] << 8) | b[r.at++]);
  else if (info === 27) {
    const hi = ((b[r.at++] << 24) >>> 0) + ((b[r.at++] << 16) | (b[r.at++] << 8) | b[r.at++]);
    const lo = ((b[r.at++] << 24) >>> 0) + ((b[r.at++] << 16) | (b[r.at++] << 8) | b[r.at++]);
    if (hi > 0x1fffff) throw STOP;
    n = hi * 2 ** 32 + lo;
  } else throw STOP;
  if (r.at > b.length || Number.isNaN(n)) throw STOP;
  switch (major) {
    case 0:
      return n;
    case 2:
    case 3: {
      const end = r.at + n;
      if (end > b.length) throw STOP;
      const s = b.subarray(r.at, end);
      r.at = end;
      return major === 2 ? s.slice() : utf8.decode(s);
    }
    case 5: {
      if (n > 8) throw STOP;
      const m = new Map<string, Item>();
      for (let i = 0; i < n; i++) {
        const k = item(b, r, depth + 1);
        if (typeof k !== 'string' || m.has(k)) throw STOP;
        m.set(k, item(b, r, depth + 1));
      }
      return m;
    }
    default:
      throw STOP;
  }
}

function str(v: Item | undefined): string {
  if (typeof v !== 'string') throw STOP;
  return v;
}
function num(v: Item | undefined): number {
  if (typeof v !== 'number') throw STOP;
  return v;
}
function bytes(v: Item | undefined): Uint8Array {
  if (!(v instanceof Uint8Array)) throw STOP;
  return v;
}
function map(v: Item | undefined): Map<string, Item> {
  if (!(v instanceof Map)) throw STOP;
  return v;
}

function candidate(leaf: Uint8Array): Entry {
  const r = { at: 0 };
  const top = map(item(leaf, r, 0));
  if (r.at !== leaf.length) throw STOP;
  const subject = map(top.get('subject'));
  const e: { -readonly [K in keyof Entry]: Entry[K] } = {
    v: 1,
    kind: str(top.get('kind')) as Entry['kind'],
    time: num(top.get('time')),
    subject: {
      project: str(subject.get('project')),
      version: str(subject.get('version')),
      filename: str(subject.get('filename')),
      sha256: bytes(subject.get('sha256')),
      size: num(subject.get('size')),
    },
  };
  if (top.get('v') !== 1) throw STOP;
  const claims = top.get('claims');
  if (claims !== undefined) {
    const c = map(claims);
    const out: { backfill?: true; uploadedAt?: number } = {};
    if (c.has('backfill')) {
      if (c.get('backfill') !== true) throw STOP;
      out.backfill = true;
    }
    if (c.has('uploadedAt')) out.uploadedAt = num(c.get('uploadedAt'));
    e.claims = out;
  }
  const sig = top.get('sig');
  if (sig !== undefined) {
    const s = map(sig);
    e.sig = { alg: str(s.get('alg')) as 'ed25519', key: bytes(s.get('key')), sig: bytes(s.get('sig')) };
  }
  const verdict = top.get('verdict');
  if (verdict !== undefined) e.verdict = str(verdict);
  return e;
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * The entry that the leaf bytes `leaf` encode, accepting exactly what src/leaf's decodeLeaf accepts (throws its
 * errors otherwise); fast for canonical leaves (see the module comment).
 */
export function decodeLeafFast(leaf: Uint8Array): Entry {
  let e: Entry | undefined;
  try {
    e = candidate(leaf);
    if (!same(encodeLeaf(e), leaf)) e = undefined;
  } catch {
    e = undefined;
  }
  if (e !== undefined) return e;
  const slow = decodeLeaf(leaf);
  // Belt and braces on the slow path too: the leaf must be the one encoding of its entry.
  if (!same(encodeLeaf(slow), leaf)) throw new StamplogError('MALFORMED', 'leaf does not re-encode to the same bytes');
  return slow;
}
