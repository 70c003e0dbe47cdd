/**
 * SHA-256 (FIPS 180-4). On Node.js this is OpenSSL through `crypto.hash` (one call, no Hash object:
 * the fastest path for the short inputs of Merkle hashing); elsewhere @noble/hashes.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { nodeCrypto } from './node.ts';

type HashFn = (data: Uint8Array) => Uint8Array;

function pickSha256(): HashFn {
  const c = nodeCrypto;
  if (c !== undefined && typeof c.hash === 'function') {
    const hash = c.hash;
    return (data) => {
      const b = hash('sha256', data, 'buffer') as unknown as Buffer;
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    };
  }
  if (c !== undefined) {
    return (data) => {
      const b = c.createHash('sha256').update(data).digest();
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    };
  }
  return (data) => nobleSha256(data);
}

/** SHA-256 of `data` (32 bytes). */
export const sha256: HashFn = pickSha256();

/** SHA-256 as computed by @noble/hashes, whatever the platform (for cross-checking the fast path). */
export const sha256Portable: HashFn = (data) => nobleSha256(data);
