/**
 * Ed25519 (RFC 8032) for the whole project: signed notes, cosignatures, publisher and vetter statements.
 * FIRST DRAFT: the verification rule (strict RFC 8032 vs ZIP-215, small-order keys, non-canonical
 * encodings) is being hardened; the exported signatures below are stable.
 */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import { nodeCrypto } from './node.ts';

ed.hashes.sha512 = (m: Uint8Array) => sha512(m);

const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/** The 32-byte public key of a 32-byte seed. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  return ed.getPublicKey(seed);
}

/** A 64-byte signature of `message` under the key derived from the 32-byte `seed`. */
export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  const c = nodeCrypto;
  if (c !== undefined) {
    const key = c.createPrivateKey({ key: Buffer.from(concat(PKCS8_PREFIX, seed)), format: 'der', type: 'pkcs8' });
    return new Uint8Array(c.sign(null, message, key));
  }
  return ed.sign(message, seed);
}

/** True iff `signature` is a valid signature of `message` by `publicKey`. Never throws on bad input. */
export function ed25519Verify(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (publicKey.length !== 32 || signature.length !== 64) return false;
  const c = nodeCrypto;
  try {
    if (c !== undefined) {
      const key = c.createPublicKey({ key: Buffer.from(concat(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
      return c.verify(null, message, key, signature);
    }
    return ed.verify(signature, message, publicKey, { zip215: false });
  } catch {
    return false;
  }
}
