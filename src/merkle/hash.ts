/**
 * RFC 6962 §2.1 / RFC 9162 §2.1.1 Merkle tree hashing with SHA-256 (the hash of every stamplog tree).
 *
 * Wire format (every hash is exactly 32 bytes):
 *   leaf hash   = SHA-256(0x00 || leaf bytes)
 *   node hash   = SHA-256(0x01 || left hash || right hash)
 *   empty root  = SHA-256("")   (RFC 9162 §2.1.1: MTH({}) = HASH())
 * The 0x00/0x01 prefixes separate leaves from interior nodes (RFC 9162 §2.1.1: second-preimage
 * resistance), so a leaf can never be passed off as a node.
 *
 * Speed: a leaf hash is one `sha256` call (src/crypto, OpenSSL on Node) over a reused buffer for leaves
 * up to 64 KiB (every C2SP entry fits); a node hash is nodehash.ts's `nodeHashInto`, which writes it without
 * allocating.
 * Module-level scratch buffers are safe because everything here is synchronous. Limits: none beyond
 * the platform's (leaves above 64 KiB are hashed from a fresh buffer).
 */
import { bytesEqual } from '../base/index.ts';
import { sha256 } from '../crypto/index.ts';
import { nodeHashInto } from './nodehash.ts';

export { nodeHashInto };

/** Size of every Merkle tree hash in bytes (SHA-256). */
export const HASH_SIZE = 32;

/** A 32-byte Merkle tree hash: a leaf hash, an interior node hash or a root. */
export type Hash = Uint8Array;

// Private: what the maths here uses, so a caller scribbling on the exported EMPTY_ROOT changes nothing.
const EMPTY = sha256(new Uint8Array(0));

/** The root of the empty tree, SHA-256 of the empty string (RFC 9162 §2.1.1). Do not mutate it. */
export const EMPTY_ROOT: Hash = EMPTY.slice();

/** Returns a fresh copy of the root of the empty tree, SHA-256("") (RFC 9162 §2.1.1: MTH({}) = HASH()). */
export function emptyRoot(): Hash {
  return EMPTY.slice();
}

/** True when `h` holds exactly the bytes of the empty tree's root. */
export function isEmptyRoot(h: Uint8Array): boolean {
  return hashEqual(h, EMPTY);
}

const LEAF_PREFIX = 0x00;
// 64 KiB + 1: the largest C2SP entry (65,535 bytes) plus the prefix byte.
const LEAF_SCRATCH_SIZE = 65_536 + 1;

let leafScratch: Uint8Array | undefined;

/** Returns SHA-256(0x00 || data), the RFC 6962 leaf hash of the entry bytes `data`. */
export function leafHash(data: Uint8Array): Hash {
  const n = data.length;
  if (n < LEAF_SCRATCH_SIZE) {
    // Allocated lazily: a verifier that never hashes leaves never pays 64 KiB.
    const buf = (leafScratch ??= new Uint8Array(LEAF_SCRATCH_SIZE));
    buf[0] = LEAF_PREFIX; // RFC 6962 §2.1: MTH({d(0)}) = SHA-256(0x00 || d(0))
    buf.set(data, 1);
    return sha256(buf.subarray(0, n + 1));
  }
  const buf = new Uint8Array(n + 1);
  buf[0] = LEAF_PREFIX;
  buf.set(data, 1);
  return sha256(buf);
}

/**
 * Returns SHA-256(0x01 || left || right), the RFC 6962 interior node hash of two 32-byte child hashes;
 * the caller guarantees both are 32 bytes (the verifiers check this at their boundary).
 */
export function nodeHash(left: Hash, right: Hash): Hash {
  const out = new Uint8Array(HASH_SIZE);
  // RFC 6962 §2.1: MTH(D[n]) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))
  nodeHashInto(left, 0, right, 0, out, 0);
  return out;
}

/** True when `a` and `b` hold the same bytes (lengths included). Not constant-time: hashes are public. */
export const hashEqual: (a: Uint8Array, b: Uint8Array) => boolean = bytesEqual;
