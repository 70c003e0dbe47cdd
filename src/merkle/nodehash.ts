/**
 * SHA-256 (FIPS 180-4 §6.2) specialised for the message shapes of RFC 6962 (§2.1), written into a caller's
 * buffer without allocating: interior nodes, the 65 bytes 0x01 || left || right (exactly two 64-byte blocks),
 * and leaves, 0x00 || leaf, for leaves lying anywhere in a larger buffer (an entry bundle).
 *
 * Merkle maths is nothing but these hashes (a proof check is a few dozen of them, an audit a million), so
 * neither allocates. On Node.js both are OpenSSL through src/crypto's sha256IntoOpenSSL (the latin1 digest
 * trick, cheaper than the plain-JS version below and than a Buffer answer). Elsewhere (a browser) nodes use
 * `nodeHashIntoPortable`, a fixed-shape SHA-256: block 1 holds 0x01 || left || right[0..30]; block 2 holds
 * right[31], the padding bit and the bit length 520 (FIPS 180-4 §5.1.1), so its message schedule depends on
 * one byte only and is precomputed for all 256 values (64 KiB table, K[t] + W[t] pre-added); leaves use
 * src/crypto's sha256Into. test/merkle/hash.test.ts checks the node hashes against src/crypto/sha256.ts on
 * random inputs, test/merkle/nodehash.test.ts the leaf hash against leafHash.
 *
 * Wire format: output is the 32-byte SHA-256 digest, big-endian words (FIPS 180-4 §6.2.2 step 4).
 * Limits: leaves of at most 65,535 bytes (an entry bundle's); inputs are read in full before the output is
 * written, so output may alias any input.
 */

import { sha256Into, sha256IntoOpenSSL } from '../crypto/index.ts';

// FIPS 180-4 §4.2.2: the 64 round constants.
const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98,
  0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786,
  0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d, 0xb00327c8,
  0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
  0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819,
  0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a,
  0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7,
  0xc67178f2,
]);

// FIPS 180-4 §5.3.3: the initial hash value H(0).
const H0 = 0x6a09e667;
const H1 = 0xbb67ae85 | 0;
const H2 = 0x3c6ef372;
const H3 = 0xa54ff53a | 0;
const H4 = 0x510e527f;
const H5 = 0x9b05688c | 0;
const H6 = 0x1f83d9ab;
const H7 = 0x5be0cd19;

/** Bit length of the message 0x01 || left || right: 65 bytes (FIPS 180-4 §5.1.1). */
const MESSAGE_BITS = 65 * 8;

/** Expands the message schedule of FIPS 180-4 §6.2.2 step 1 in place (w[0..15] given). */
function expand(w: Int32Array): void {
  for (let t = 16; t < 64; t++) {
    const a = w[t - 15];
    const b = w[t - 2];
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    w[t] = (w[t - 16] + s0 + w[t - 7] + s1) | 0;
  }
}

// Second block for every value of right[31]: KW2[64·b + t] = K[t] + W[t].
const KW2 = new Int32Array(256 * 64);
{
  const w = new Int32Array(64);
  for (let b = 0; b < 256; b++) {
    w.fill(0);
    w[0] = (b << 24) | 0x00800000; // right[31], then the '1' padding bit (FIPS 180-4 §5.1.1)
    w[15] = MESSAGE_BITS;
    expand(w);
    for (let t = 0; t < 64; t++) KW2[64 * b + t] = (K[t] + w[t]) | 0;
  }
}

const W = new Int32Array(64);

function word(b: Uint8Array, i: number): number {
  return (b[i] << 24) | (b[i + 1] << 16) | (b[i + 2] << 8) | b[i + 3];
}

function put(out: Uint8Array, i: number, v: number): void {
  out[i] = v >>> 24;
  out[i + 1] = v >>> 16;
  out[i + 2] = v >>> 8;
  out[i + 3] = v;
}

/** Writes SHA-256(0x01 || l[lo..lo+32) || r[ro..ro+32)) to out[oo..oo+32) (out may overlap the inputs). */
export type NodeHashInto = (l: Uint8Array, lo: number, r: Uint8Array, ro: number, out: Uint8Array, oo: number) => void;

/** {@link NodeHashInto} in plain JS (no node:crypto); the caller guarantees the three 32-byte ranges exist. */
export function nodeHashIntoPortable(l: Uint8Array, lo: number, r: Uint8Array, ro: number, out: Uint8Array, oo: number): void {
  const w = W;
  // Block 1 = 0x01 || l[0..31] || r[0..30], as big-endian words (FIPS 180-4 §5.2.1).
  w[0] = 0x01000000 | (l[lo] << 16) | (l[lo + 1] << 8) | l[lo + 2];
  for (let t = 1; t < 8; t++) w[t] = word(l, lo + 4 * t - 1);
  w[8] = (l[lo + 31] << 24) | (r[ro] << 16) | (r[ro + 1] << 8) | r[ro + 2];
  for (let t = 9; t < 16; t++) w[t] = word(r, ro + 4 * t - 33);
  const kw2 = 64 * r[ro + 31];
  expand(w);

  // FIPS 180-4 §6.2.2 steps 2–4 for block 1, from H(0).
  let a = H0;
  let b = H1;
  let c = H2;
  let d = H3;
  let e = H4;
  let f = H5;
  let g = H6;
  let h = H7;
  for (let t = 0; t < 64; t++) {
    const t1 =
      (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + K[t] + w[t]) | 0;
    const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  const i0 = (a + H0) | 0;
  const i1 = (b + H1) | 0;
  const i2 = (c + H2) | 0;
  const i3 = (d + H3) | 0;
  const i4 = (e + H4) | 0;
  const i5 = (f + H5) | 0;
  const i6 = (g + H6) | 0;
  const i7 = (h + H7) | 0;

  // Block 2 with its precomputed schedule, from H(1): the round loop is block 1's written out again, a
  // deliberate unroll (its K[t] + W[t] come from the table).
  a = i0;
  b = i1;
  c = i2;
  d = i3;
  e = i4;
  f = i5;
  g = i6;
  h = i7;
  for (let t = 0; t < 64; t++) {
    const t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) + ((e & f) ^ (~e & g)) + KW2[kw2 + t]) | 0;
    const t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) + ((a & b) ^ (a & c) ^ (b & c))) | 0;
    h = g;
    g = f;
    f = e;
    e = (d + t1) | 0;
    d = c;
    c = b;
    b = a;
    a = (t1 + t2) | 0;
  }
  put(out, oo, (i0 + a) | 0);
  put(out, oo + 4, (i1 + b) | 0);
  put(out, oo + 8, (i2 + c) | 0);
  put(out, oo + 12, (i3 + d) | 0);
  put(out, oo + 16, (i4 + e) | 0);
  put(out, oo + 20, (i5 + f) | 0);
  put(out, oo + 24, (i6 + g) | 0);
  put(out, oo + 28, (i7 + h) | 0);
}

function pickNodeHash(): NodeHashInto {
  const into = sha256IntoOpenSSL;
  if (into === undefined) return nodeHashIntoPortable;
  const message = new Uint8Array(65);
  message[0] = 0x01; // RFC 6962 §2.1: MTH(D[n]) = SHA-256(0x01 || left || right)
  return (l, lo, r, ro, out, oo) => {
    // Both inputs are copied before the output is written, so out may alias either of them.
    for (let i = 0; i < 32; i++) {
      message[1 + i] = l[lo + i];
      message[33 + i] = r[ro + i];
    }
    into(message, out, oo);
  };
}

/** {@link NodeHashInto}: OpenSSL on Node.js, {@link nodeHashIntoPortable} elsewhere (see the module comment). */
export const nodeHashInto: NodeHashInto = pickNodeHash();

/** Largest leaf leafHashInto takes: an entry bundle's (uint16 length prefix). */
const MAX_LEAF = 65_535;

// Allocated on first use: a verifier that never hashes leaves in place never pays 64 KiB.
let leafScratch: Uint8Array | undefined;

/**
 * Writes the RFC 6962 leaf hash SHA-256(0x00 || src[start..end)) to out[at..at+32); the leaf is at most
 * 65,535 bytes (RangeError otherwise). The same hash as hash.ts's leafHash, without a copy per leaf.
 */
export function leafHashInto(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): void {
  const n = end - start;
  if (n < 0 || n > MAX_LEAF) throw new RangeError(`leaf of ${n} bytes`);
  const s = (leafScratch ??= new Uint8Array(MAX_LEAF + 1));
  s[0] = 0x00; // RFC 6962 §2.1: MTH({d(0)}) = SHA-256(0x00 || d(0))
  s.set(src.subarray(start, end), 1);
  sha256Into(s.subarray(0, n + 1), out, at);
}
