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
    // A 'binary' (latin1) string answer copied into a fresh array costs ~0.36 µs here; asking crypto.hash for
    // a Buffer costs ~1.0 µs (measured on 110-byte inputs). Each char code is one byte of the digest.
    return (data) => {
      const s = hash('sha256', data, 'binary');
      const out = new Uint8Array(32);
      for (let i = 0; i < 32; i++) out[i] = s.charCodeAt(i);
      return out;
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

const utf8 = new TextEncoder();

function hexOf(b: Uint8Array): string {
  let h = '';
  for (let i = 0; i < b.length; i++) h += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return h;
}

/** Lowercase hex SHA-256 of the UTF-8 encoding of `text` (one OpenSSL call on Node: no byte array, no copy). */
export const sha256HexOfText: (text: string) => string =
  nodeCrypto !== undefined && typeof nodeCrypto.hash === 'function'
    ? ((hash) => (text: string) => hash('sha256', text, 'hex'))(nodeCrypto.hash)
    : (text) => hexOf(nobleSha256(utf8.encode(text)));

/** sha256HexOfText as computed by @noble/hashes, whatever the platform (for cross-checking the fast path). */
export const sha256HexOfTextPortable = (text: string): string => hexOf(nobleSha256(utf8.encode(text)));

/** SHA-256 as computed by @noble/hashes, whatever the platform (for cross-checking the fast path). */
export const sha256Portable: HashFn = (data) => nobleSha256(data);
