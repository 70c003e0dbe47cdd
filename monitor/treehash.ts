/**
 * RFC 6962 §2.1 hashing for the audit's hot loop, into caller-owned flat buffers:
 *   leaf hash  SHA-256(0x00 || leaf)           node hash  SHA-256(0x01 || left || right)
 * The same hashes as src/merkle's leafHash and nodeHash (monitor/test/treehash.test.ts checks them against
 * each other on random inputs), only cheaper per call, which matters at a million leaves a pass:
 *
 * - node:crypto's one-shot `hash()` asked for a latin1 ('binary') string costs ~0.3 µs here, against ~0.9–1.7 µs when it
 *   has to allocate a Buffer for the digest (src/crypto's sha256) and ~0.65 µs for src/merkle's JS node hash;
 *   the 32 characters are copied into the output bytes (each char code is one byte).
 * - Leaves are read where they lie (in an entry bundle), hashes are written into one flat buffer, and a whole
 *   bundle of 256 leaf hashes folds into its subtree root in place: no per-leaf or per-node allocation
 *   besides the digest string.
 *
 * Module-level scratch buffers are safe because everything here is synchronous.
 */
import { hash } from 'node:crypto';

/** Largest leaf an entry bundle can carry (uint16 length prefix), plus the 0x00 prefix. */
const LEAF_SCRATCH = new Uint8Array(65_535 + 1);
/** 0x01 || left || right. */
const NODE_SCRATCH = new Uint8Array(65);
NODE_SCRATCH[0] = 0x01;

function digestInto(input: Uint8Array, out: Uint8Array, at: number): void {
  const s = hash('sha256', input, 'binary'); // 'binary' is latin1: one char per byte
  for (let i = 0; i < 32; i++) out[at + i] = s.charCodeAt(i);
}

/** Writes the leaf hash of src[start..end) (at most 65,535 bytes) to out[at..at+32). */
export function leafHashInto(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): void {
  const n = end - start;
  if (n < 0 || n > 65_535) throw new RangeError(`leaf of ${n} bytes`);
  const s = LEAF_SCRATCH;
  s[0] = 0x00; // RFC 6962 §2.1: MTH({d(0)}) = SHA-256(0x00 || d(0))
  s.set(src.subarray(start, end), 1);
  digestInto(s.subarray(0, n + 1), out, at);
}

/** Writes the node hash of the 32-byte hashes h[left..left+32) and h[right..right+32) to out[at..at+32). */
export function nodeHashInto(h: Uint8Array, left: number, right: number, out: Uint8Array, at: number): void {
  const s = NODE_SCRATCH;
  // Copied before hashing, so `out` may be `h` itself (in-place folding).
  for (let i = 0; i < 32; i++) {
    s[1 + i] = h[left + i];
    s[33 + i] = h[right + i];
  }
  digestInto(s, out, at);
}

/**
 * Folds `count` (a power of two) consecutive hashes h[0..32·count) into the root of their perfect subtree,
 * RFC 6962 §2.1 pairwise level by level, in place: the root ends up in h[0..32), the rest of h is overwritten.
 */
export function foldPerfect(h: Uint8Array, count: number): void {
  if (count < 1 || (count & (count - 1)) !== 0 || h.length < 32 * count) throw new RangeError(`cannot fold ${count} hashes`);
  for (let n = count; n > 1; n >>= 1) {
    // Node i/2 of the next level goes where it can no longer overwrite an unread hash of this one.
    for (let i = 0; i < n; i += 2) nodeHashInto(h, 32 * i, 32 * (i + 1), h, 16 * i);
  }
}
