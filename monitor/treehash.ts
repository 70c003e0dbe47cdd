/**
 * RFC 6962 §2.1 hashing for the audit's hot loop, into caller-owned flat buffers: the leaf hash
 * SHA-256(0x00 || leaf) of a leaf where it lies in an entry bundle, and the in-place fold of a bundle's 256
 * leaf hashes into its subtree root (src/merkle's `foldPerfectInPlace`, which does not allocate).
 * The same hashes as src/merkle's leafHash and nodeHash (monitor/test/treehash.test.ts checks them against
 * each other on random inputs), only without a copy or allocation per leaf, which matters at a million leaves
 * a pass: node:crypto's one-shot `hash()` asked for a latin1 ('binary') string, whose 32 char codes are the
 * digest bytes, copied into the output.
 *
 * Module-level scratch buffers are safe because everything here is synchronous.
 */
import { hash } from 'node:crypto';
import { foldPerfectInPlace } from '../src/merkle/tiles.ts';

/** Largest leaf an entry bundle can carry (uint16 length prefix), plus the 0x00 prefix. */
const LEAF_SCRATCH = new Uint8Array(65_535 + 1);

/** Writes the leaf hash of src[start..end) (at most 65,535 bytes) to out[at..at+32). */
export function leafHashInto(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): void {
  const n = end - start;
  if (n < 0 || n > 65_535) throw new RangeError(`leaf of ${n} bytes`);
  const s = LEAF_SCRATCH;
  s[0] = 0x00; // RFC 6962 §2.1: MTH({d(0)}) = SHA-256(0x00 || d(0))
  s.set(src.subarray(start, end), 1);
  const d = hash('sha256', s.subarray(0, n + 1), 'binary'); // 'binary' is latin1: one char per byte
  for (let i = 0; i < 32; i++) out[at + i] = d.charCodeAt(i);
}

/**
 * Folds `count` (a power of two) consecutive hashes h[0..32·count) into the root of their perfect subtree,
 * RFC 6962 §2.1 pairwise level by level, in place: the root ends up in h[0..32), the rest of h is overwritten.
 */
export function foldPerfect(h: Uint8Array, count: number): void {
  if (count < 1 || (count & (count - 1)) !== 0 || h.length < 32 * count) throw new RangeError(`cannot fold ${count} hashes`);
  foldPerfectInPlace(h, count);
}
