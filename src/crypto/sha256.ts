/**
 * SHA-256 (FIPS 180-4). On Node.js this is OpenSSL through `crypto.hash` (one call, no Hash object:
 * the fastest path for the short inputs of Merkle hashing; see sha256IntoOpenSSL); elsewhere @noble/hashes.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { nodeCrypto } from './node.ts';

type HashFn = (data: Uint8Array) => Uint8Array;

/** Writes SHA-256(data) to out[at..at+32); data is read in full first, so out may alias it. */
export type Sha256Into = (data: Uint8Array, out: Uint8Array, at: number) => void;

/**
 * {@link Sha256Into} through OpenSSL's one-shot `crypto.hash` on Node.js, undefined elsewhere. The digest is
 * asked for as a latin1 ('binary') string, whose 32 char codes are its bytes, and copied into `out`: cheaper
 * than asking for a Buffer, and nothing is allocated for the caller. The one place this trick lives;
 * test/crypto/sha256.test.ts checks it against @noble/hashes (sha256Portable).
 */
export const sha256IntoOpenSSL: Sha256Into | undefined = ((hash) => {
  if (typeof hash !== 'function') return undefined;
  return (data: Uint8Array, out: Uint8Array, at: number) => {
    const s = hash('sha256', data, 'binary');
    for (let i = 0; i < 32; i++) out[at + i] = s.charCodeAt(i);
  };
})(nodeCrypto?.hash);

function pickSha256(): HashFn {
  const into = sha256IntoOpenSSL;
  if (into !== undefined) {
    return (data) => {
      const out = new Uint8Array(32);
      into(data, out, 0);
      return out;
    };
  }
  const c = nodeCrypto;
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

/** SHA-256 of `data` written to out[at..at+32) (see {@link Sha256Into}): OpenSSL on Node.js, else via `sha256`. */
export const sha256Into: Sha256Into = sha256IntoOpenSSL ?? ((data, out, at) => out.set(sha256(data), at));

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
