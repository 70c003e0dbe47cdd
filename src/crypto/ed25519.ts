/**
 * Ed25519 (RFC 8032 §5.1, "PureEdDSA" over edwards25519) for the whole project: signed notes,
 * cosignatures, publisher and vetter statements. This module fixes the ONE verification rule that
 * every part of stamplog (server, client, monitor, browser page) applies.
 *
 * Wire format: public key 32 bytes (RFC 8032 §5.1.2 point encoding: little-endian y, top bit = sign
 * of x); signature 64 bytes = R (32-byte point encoding) || S (32-byte little-endian scalar); seed
 * (secret key) 32 bytes. No context, no prehash (Ed25519, not Ed25519ctx/ph).
 *
 * The verification rule ("strict RFC 8032, cofactorless"), in the order it is applied:
 *   1. |A| = 32 and |sig| = 64 bytes, otherwise invalid.
 *   2. S < L (RFC 8032 §5.1.7 step 1; rejects the S+L malleability of §8.4).
 *   3. A is canonically encoded: y < p and not (x = 0 with the sign bit set) (RFC 8032 §5.1.3 steps 1, 4).
 *   4. A decodes to a point of the curve (RFC 8032 §5.1.3 steps 2–3).
 *   5. A is not one of the 8 points of small order (policy, as libsodium: with a torsion point as key
 *      anyone can forge). Mixed-order keys (prime-order point + torsion) are NOT rejected: honest key
 *      generation never makes them, and the check would cost a full scalar multiplication per key.
 *   6. R is canonically encoded (same test as 3; also implied by 7, but checked early and cheaply) and is
 *      not of small order (as libsodium; an honest R = [r]B never is).
 *   7. The cofactorless equation: encode([S]B − [k]A) = R byte for byte, with
 *      k = SHA-512(R || A || M) mod L (RFC 8032 §5.1.7 step 3 in its unmultiplied form).
 * On the 12 cases of ed25519-speccheck ("Taming the many EdDSAs") this accepts exactly what libsodium
 * accepts (only case 3). Steps 1–6 run here, in one place, for both backends (key checks cached per key). Step 7 runs
 * in OpenSSL on Node (node:crypto; OpenSSL is cofactorless but accepts small-order
 * and non-canonical keys, hence steps 3–5) and, where node:crypto is absent, on @noble/ed25519's exported
 * point arithmetic. noble's own `verify` is not used: it is cofactored even with {zip215: false}, so it
 * accepts R = rB + T (T a torsion point), which OpenSSL rejects. Both backends give the same answer on
 * every input; test/crypto/ed25519.test.ts proves it on the edge cases of "Taming the many EdDSAs".
 *
 * Limits: node KeyObjects are cached per public key (≤ 4096 keys) and per seed (≤ 64 seeds), evicting
 * the oldest entry first; messages are not copied.
 */
import { bytesEqual, concatBytes, StamplogError } from '../base/index.ts';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import type { KeyObject } from 'node:crypto';
import { nodeCrypto } from './node.ts';

ed.hashes.sha512 = (m: Uint8Array) => sha512(m);

/** Length in bytes of an Ed25519 public key, seed, and of each half of a signature. */
export const ED25519_KEY_BYTES = 32;
/** Length in bytes of an Ed25519 signature. */
export const ED25519_SIGNATURE_BYTES = 64;

const PKCS8_PREFIX = Uint8Array.from([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]);
const SPKI_PREFIX = Uint8Array.from([0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00]);

// L = 2^252 + 27742317777372353535851937790883648493, little-endian (RFC 8032 §5.1).
const L_LE = Uint8Array.from([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
]);
const L = 0x1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3edn;

/**
 * The canonical encodings of the 8 points of small order (the torsion subgroup E[8]): the identity, the
 * point of order 2, two of order 4 and four of order 8. For a canonical encoding, "small order" is
 * exactly "one of these 32-byte strings".
 */
export const ED25519_SMALL_ORDER_ENCODINGS: readonly string[] = Object.freeze([
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
]);

const MAX_PUBLIC_KEYS = 4096;
const MAX_PRIVATE_KEYS = 64;

/** A Map that forgets its oldest entry beyond `max` entries (insertion order; hits do not refresh). */
class BoundedCache<V> {
  readonly #map = new Map<string, V>();
  readonly #max: number;

  constructor(max: number) {
    this.#max = max;
  }

  get(key: string): V | undefined {
    return this.#map.get(key);
  }

  set(key: string, value: V): void {
    if (this.#map.size >= this.#max) {
      const oldest = this.#map.keys().next();
      if (oldest.done !== true) this.#map.delete(oldest.value);
    }
    this.#map.set(key, value);
  }
}

/** What we remember about one public key: why it is refused, or its decoded forms for each backend. */
interface KeyState {
  readonly problem: string | undefined;
  point: ed.Point | undefined;
  nodeKey: KeyObject | undefined;
}

const publicKeys = new BoundedCache<KeyState>(MAX_PUBLIC_KEYS);
const privateKeys = new BoundedCache<KeyObject>(MAX_PRIVATE_KEYS);

function bytesKey(b: Uint8Array): string {
  return String.fromCharCode(...b);
}

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function toHex(b: Uint8Array): string {
  let h = '';
  for (let i = 0; i < b.length; i++) h += HEX[b[i]];
  return h;
}

const SMALL_ORDER = new Set(ED25519_SMALL_ORDER_ENCODINGS);

function isSmallOrderEncoding(e: Uint8Array): boolean {
  // Every small-order encoding has byte 1 ∈ {0x00, 0xff, 0x17, 0xe8}: skip the hex for all others.
  const b1 = e[1];
  if (b1 !== 0x00 && b1 !== 0xff && b1 !== 0x17 && b1 !== 0xe8) return false;
  return SMALL_ORDER.has(toHex(e));
}

function isBytes(x: unknown): x is Uint8Array {
  return x instanceof Uint8Array;
}

/** True iff the little-endian scalar in `s` (32 bytes) is < L. */
function scalarIsCanonical(s: Uint8Array): boolean {
  for (let i = 31; i >= 0; i--) {
    if (s[i] < L_LE[i]) return true;
    if (s[i] > L_LE[i]) return false;
  }
  return false; // s = L
}

/**
 * Why the 32-byte point encoding `e` is non-canonical, or undefined if it is canonical.
 * RFC 8032 §5.1.3: y must be < p = 2^255 − 19, and x = 0 (which happens iff y = ±1) must have sign bit 0.
 */
function encodingProblem(e: Uint8Array): string | undefined {
  const top = e[31] & 0x7f;
  // y ≥ p iff y ∈ [2^255 − 19, 2^255): bytes 1..30 all 0xff, top byte 0x7f, low byte ≥ 0xed.
  if (top === 0x7f && e[0] >= 0xed) {
    let allFF = true;
    for (let i = 1; i < 31; i++) if (e[i] !== 0xff) allFF = false;
    if (allFF) return 'is not canonically encoded (y ≥ p)';
  }
  if ((e[31] & 0x80) !== 0) {
    // y = 1: 01 00 … 00; y = p − 1: ec ff … ff 7f (sign bit cleared).
    let isOne = e[0] === 0x01 && top === 0;
    let isMinusOne = e[0] === 0xec && top === 0x7f;
    for (let i = 1; i < 31; i++) {
      if (e[i] !== 0) isOne = false;
      if (e[i] !== 0xff) isMinusOne = false;
    }
    if (isOne || isMinusOne) return 'is not canonically encoded (x = 0 with the sign bit set)';
  }
  return undefined;
}

function keyState(publicKey: Uint8Array): KeyState {
  const id = bytesKey(publicKey);
  const cached = publicKeys.get(id);
  if (cached !== undefined) return cached;
  let problem = encodingProblem(publicKey); // step 3
  let point: ed.Point | undefined;
  if (problem === undefined) {
    try {
      point = ed.Point.fromBytes(publicKey, false); // step 4 (strict decoding)
    } catch {
      problem = 'is not a point on the curve';
    }
  }
  // Step 5: A is canonical here, so its bytes are its canonical encoding.
  if (point !== undefined && isSmallOrderEncoding(publicKey)) {
    problem = 'has small order (with a torsion point as key anyone can forge signatures)';
    point = undefined;
  }
  const state: KeyState = { problem, point, nodeKey: undefined };
  publicKeys.set(id, state);
  return state;
}

/**
 * Throws StamplogError INVALID_SIGNATURE (with the reason) unless `publicKey` is a 32-byte, canonically
 * encoded Ed25519 point of the curve that is not of small order, i.e. a key `ed25519Verify` can accept.
 */
export function checkEd25519PublicKey(publicKey: Uint8Array): void {
  if (!isBytes(publicKey) || publicKey.length !== ED25519_KEY_BYTES) {
    const got = isBytes(publicKey) ? `${publicKey.length} bytes` : typeof publicKey;
    throw new StamplogError('INVALID_SIGNATURE', `Ed25519 public key must be 32 bytes, got ${got}`);
  }
  const { problem } = keyState(publicKey);
  if (problem !== undefined) throw new StamplogError('INVALID_SIGNATURE', `Ed25519 public key ${problem}`);
}

/** The KeyState of `publicKey` if steps 1–6 of the rule pass for (`publicKey`, `signature`), else undefined. */
function precheck(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): KeyState | undefined {
  if (!isBytes(publicKey) || !isBytes(message) || !isBytes(signature)) return undefined;
  if (publicKey.length !== ED25519_KEY_BYTES || signature.length !== ED25519_SIGNATURE_BYTES) return undefined; // step 1
  if (!scalarIsCanonical(signature.subarray(32))) return undefined; // step 2
  const R = signature.subarray(0, 32);
  if (encodingProblem(R) !== undefined || isSmallOrderEncoding(R)) return undefined; // step 6
  const state = keyState(publicKey); // steps 3–5, cached
  return state.problem === undefined ? state : undefined;
}

/**
 * Steps 1–6 of the rule (everything but the equation): true iff (`publicKey`, `signature`) may verify. For a
 * caller that evaluates step 7 with OpenSSL elsewhere (a worker thread): `ed25519Verify` is exactly
 * `ed25519Precheck(...) && <OpenSSL verify>(...)`.
 */
export function ed25519Precheck(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return precheck(publicKey, message, signature) !== undefined;
  } catch {
    return false;
  }
}

function littleEndianToBigInt(b: Uint8Array): bigint {
  let h = '0x';
  for (let i = b.length - 1; i >= 0; i--) h += HEX[b[i]];
  return BigInt(h);
}

/** Step 7 on noble's point arithmetic: encode([S]B − [k]A) must equal R byte for byte. */
function equationPortable(A: ed.Point, publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const R = signature.subarray(0, 32);
  const S = littleEndianToBigInt(signature.subarray(32)); // < L by step 2
  const k = littleEndianToBigInt(sha512(concatBytes(R, publicKey, message))) % L; // RFC 8032 §5.1.7 step 2
  const check = ed.Point.BASE.multiply(S, false).subtract(A.multiply(k, false));
  return bytesEqual(check.toBytes(), R);
}

/**
 * The project verification rule (see the module header) evaluated without node:crypto: true iff
 * `signature` is a valid signature of `message` by `publicKey`. Never throws.
 */
export function ed25519VerifyPortable(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    const state = precheck(publicKey, message, signature);
    if (state === undefined) return false;
    let A = state.point;
    if (A === undefined) {
      A = ed.Point.fromBytes(publicKey, false);
      state.point = A;
    }
    return equationPortable(A, publicKey, message, signature);
  } catch {
    return false;
  }
}

/**
 * The project verification rule (see the module header) with OpenSSL evaluating the equation: true iff
 * `signature` is a valid signature of `message` by `publicKey`; throws StamplogError INTERNAL where
 * node:crypto is absent, never on bad input.
 */
export function ed25519VerifyNode(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  const c = nodeCrypto;
  if (c === undefined) throw new StamplogError('INTERNAL', 'node:crypto is not available on this platform');
  try {
    const state = precheck(publicKey, message, signature);
    if (state === undefined) return false;
    let key = state.nodeKey;
    if (key === undefined) {
      // eslint-disable-next-line no-restricted-globals -- only where node:crypto exists, so Buffer does too
      key = c.createPublicKey({ key: Buffer.from(concatBytes(SPKI_PREFIX, publicKey)), format: 'der', type: 'spki' });
      state.nodeKey = key;
    }
    return c.verify(null, message, key, signature);
  } catch {
    return false;
  }
}

/** True iff `signature` is a valid signature of `message` by `publicKey` under the project rule. Never throws. */
export const ed25519Verify: (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => boolean =
  nodeCrypto !== undefined ? ed25519VerifyNode : ed25519VerifyPortable;

function checkSeed(seed: Uint8Array): void {
  if (!isBytes(seed) || seed.length !== ED25519_KEY_BYTES) {
    const got = isBytes(seed) ? `${seed.length} bytes` : typeof seed;
    throw new StamplogError('MALFORMED', `Ed25519 seed must be 32 bytes, got ${got}`);
  }
}

function nodePrivateKey(seed: Uint8Array): KeyObject | undefined {
  const c = nodeCrypto;
  if (c === undefined) return undefined;
  const id = bytesKey(seed);
  let key = privateKeys.get(id);
  if (key === undefined) {
    // eslint-disable-next-line no-restricted-globals -- only where node:crypto exists, so Buffer does too
    key = c.createPrivateKey({ key: Buffer.from(concatBytes(PKCS8_PREFIX, seed)), format: 'der', type: 'pkcs8' });
    privateKeys.set(id, key);
  }
  return key;
}

/** The 32-byte public key of the 32-byte `seed` (RFC 8032 §5.1.5); throws MALFORMED on a bad seed length. */
export function ed25519PublicKey(seed: Uint8Array): Uint8Array {
  checkSeed(seed);
  const c = nodeCrypto;
  const key = nodePrivateKey(seed);
  if (c !== undefined && key !== undefined) {
    const spki = c.createPublicKey(key).export({ format: 'der', type: 'spki' });
    return new Uint8Array(spki.subarray(SPKI_PREFIX.length));
  }
  return ed.getPublicKey(seed);
}

/** The deterministic 64-byte signature (RFC 8032 §5.1.6) of `message` by the key of the 32-byte `seed`. */
export function ed25519Sign(seed: Uint8Array, message: Uint8Array): Uint8Array {
  checkSeed(seed);
  const c = nodeCrypto;
  const key = nodePrivateKey(seed);
  if (c !== undefined && key !== undefined) {
    return new Uint8Array(c.sign(null, message, key));
  }
  return ed.sign(message, seed);
}
