/** Test-only helpers shared by several suites: a seeded PRNG and a second valid Ed25519 signature. */
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';

ed.hashes.sha512 = (m: Uint8Array) => sha512(m);

/** mulberry32: a tiny seeded PRNG, uniform in [0, 1), so a failing case can be reproduced from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * A second valid Ed25519 signature of `message` by `seed`'s key, with nonce r instead of RFC 8032's
 * H(prefix || M): same key, same statement, different signature bytes (for dedup-by-meaning tests).
 */
export function otherNonceSignature(seed: Uint8Array, message: Uint8Array, r: bigint): Uint8Array {
  const L = 2n ** 252n + 27742317777372353535851937790883648493n;
  const { scalar, pointBytes } = ed.utils.getExtendedPublicKey(seed);
  const R = ed.Point.BASE.multiply(r).toBytes();
  const h = sha512(new Uint8Array([...R, ...pointBytes, ...message]));
  let k = 0n;
  for (let i = h.length - 1; i >= 0; i--) k = (k << 8n) | BigInt(h[i]);
  let S = (r + (k % L) * scalar) % L;
  const out = new Uint8Array(64);
  out.set(R);
  for (let i = 32; i < 64; i++) {
    out[i] = Number(S & 0xffn);
    S >>= 8n;
  }
  return out;
}
