// Tests of the project Ed25519 rule (src/crypto/ed25519.ts): every case is run through BOTH backends
// (OpenSSL via node:crypto, and noble point arithmetic) and each must give the documented answer.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as ed from '@noble/ed25519';
import { sha512 } from '@noble/hashes/sha2.js';
import {
  checkEd25519PublicKey,
  ed25519PublicKey,
  ed25519Sign,
  ed25519Verify,
  ed25519VerifyNode,
  ed25519VerifyPortable,
  ED25519_SMALL_ORDER_ENCODINGS,
} from '../../src/crypto/ed25519.ts';
import { isStamplogError } from '../../src/base/errors.ts';
import { RFC8032, SPECCHECK } from '../helpers/ed25519cases.ts';

ed.hashes.sha512 = (m: Uint8Array) => sha512(m);

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const unhex = (h: string) => new Uint8Array(Buffer.from(h, 'hex'));
const utf8 = (s: string) => new TextEncoder().encode(s);

const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const B = ed.Point.BASE;

function le(n: bigint): Uint8Array {
  const out = new Uint8Array(32);
  for (let i = 0; i < 32; i++) {
    out[i] = Number(n & 0xffn);
    n >>= 8n;
  }
  return out;
}
function fromLe(b: Uint8Array): bigint {
  let n = 0n;
  for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i]);
  return n;
}
const mod = (a: bigint, m: bigint) => ((a % m) + m) % m;

/** Both backends must agree, and agree with `expected`. */
function expectBoth(pub: Uint8Array, msg: Uint8Array, sig: Uint8Array, expected: boolean, what: string): void {
  const node = ed25519VerifyNode(pub, msg, sig);
  const portable = ed25519VerifyPortable(pub, msg, sig);
  assert.equal(node, expected, `${what}: node backend`);
  assert.equal(portable, expected, `${what}: portable backend`);
  assert.equal(ed25519Verify(pub, msg, sig), expected, `${what}: default backend`);
}

/** A signature made by hand: R = [r]B + T, k = H(R || A || M), S = r + k·a mod L. */
function craftSignature(a: bigint, pubBytes: Uint8Array, r: bigint, msg: Uint8Array, T: ed.Point = ed.Point.ZERO): Uint8Array {
  const R = B.multiply(r).add(T).toBytes();
  const k = mod(fromLe(sha512(new Uint8Array([...R, ...pubBytes, ...msg]))), L);
  const S = mod(r + k * a, L);
  return new Uint8Array([...R, ...le(S)]);
}

const seedA = unhex('9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60');
const extA = ed.utils.getExtendedPublicKey(seedA);
const T8 = ed.Point.fromHex('c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a'); // order 8

// RFC 8032 §7.1, TEST 1–3 (SECRET KEY, PUBLIC KEY, MESSAGE, SIGNATURE).

// Non-canonical encodings of small-order points: y ≥ p, or x = 0 with the sign bit set.
const NON_CANONICAL_SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000080', // identity, sign bit set
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // order 2, sign bit set
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p ≡ 0 (order 4)
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // y = p ≡ 0, sign bit set
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // y = p + 1 ≡ 1 (identity)
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff', // y = p + 1, sign bit set
];

describe('ed25519Sign / ed25519PublicKey', () => {
  for (const v of RFC8032) {
    it(`reproduces RFC 8032 §7.1 ${v.name}`, () => {
      const seed = unhex(v.seed);
      assert.equal(hex(ed25519PublicKey(seed)), v.pub);
      assert.equal(hex(ed25519Sign(seed, unhex(v.msg))), v.sig);
    });
  }

  it('agrees with noble signing on arbitrary seeds and messages', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.uint8Array({ maxLength: 200 }), (seed, msg) => {
        assert.equal(hex(ed25519PublicKey(seed)), hex(ed.getPublicKey(seed)));
        assert.equal(hex(ed25519Sign(seed, msg)), hex(ed.sign(msg, seed)));
      }),
      { seed: 8032, numRuns: 30 },
    );
  });

  it('keeps signing correctly past the bounded key cache (100 seeds, then the first again)', () => {
    const seeds = Array.from({ length: 100 }, (_, i) => new Uint8Array(32).fill(i + 1));
    const msg = utf8('cache');
    const first = ed25519Sign(seeds[0], msg);
    for (const s of seeds) assert.equal(hex(ed25519Sign(s, msg)), hex(ed.sign(msg, s)));
    assert.equal(hex(ed25519Sign(seeds[0], msg)), hex(first));
  });

  it('rejects a seed that is not 32 bytes with MALFORMED', () => {
    for (const n of [0, 31, 33, 64]) {
      assert.throws(() => ed25519Sign(new Uint8Array(n), utf8('m')), (e) => isStamplogError(e, 'MALFORMED'));
      assert.throws(() => ed25519PublicKey(new Uint8Array(n)), (e) => isStamplogError(e, 'MALFORMED'));
    }
  });
});

describe('ed25519Verify', () => {
  for (const v of RFC8032) {
    it(`accepts RFC 8032 §7.1 ${v.name} on both backends`, () => {
      expectBoth(unhex(v.pub), unhex(v.msg), unhex(v.sig), true, v.name);
    });
  }

  SPECCHECK.forEach((c, i) => {
    it(`gives ${c.want} on ed25519-speccheck case ${i} (${c.why}) on both backends`, () => {
      expectBoth(unhex(c.pub), unhex(c.msg), unhex(c.sig), c.want, `speccheck ${i}`);
    });
  });

  it('rejects a non-canonical S (S + L) that the equation alone would accept', () => {
    const v = RFC8032[1];
    const sig = unhex(v.sig);
    const S = fromLe(sig.subarray(32));
    const sPlusL = new Uint8Array([...sig.subarray(0, 32), ...le(S + L)]);
    assert.ok(S + L < 2n ** 256n);
    expectBoth(unhex(v.pub), unhex(v.msg), sPlusL, false, 'S + L');
  });

  it('rejects every small-order public key, canonical or not, even with a signature ZIP-215 accepts', () => {
    const all = [...ED25519_SMALL_ORDER_ENCODINGS, ...NON_CANONICAL_SMALL_ORDER];
    assert.equal(all.length, 14);
    for (const h of all) {
      const A = unhex(h);
      const msg = utf8(`forged under ${h}`);
      // [r]B − [k]A − R is a torsion point for any r and k: the cofactored equation holds without the secret.
      const r = 123456789n;
      const sig = new Uint8Array([...B.multiply(r).toBytes(), ...le(r)]);
      assert.equal(ed.verify(sig, msg, A, { zip215: true }), true, `${h}: ZIP-215 accepts the forgery`);
      expectBoth(A, msg, sig, false, `small-order key ${h}`);
    }
    // The identity key with R = identity and S = 0 satisfies even the cofactorless equation.
    const identity = unhex(ED25519_SMALL_ORDER_ENCODINGS[0]);
    expectBoth(identity, utf8('anything'), new Uint8Array([...identity, ...new Uint8Array(32)]), false, 'identity key');
  });

  it('rejects a non-canonical R that a lenient decoder would accept', () => {
    const msg = utf8('non-canonical R');
    // R encodes the identity (x = 0 with sign bit, or y = p + 1); S = k·a makes [S]B − [k]A the identity.
    for (const Rhex of [NON_CANONICAL_SMALL_ORDER[0], NON_CANONICAL_SMALL_ORDER[4]]) {
      const R = unhex(Rhex);
      const k = mod(fromLe(sha512(new Uint8Array([...R, ...extA.pointBytes, ...msg]))), L);
      const sig = new Uint8Array([...R, ...le(mod(k * extA.scalar, L))]);
      assert.equal(ed.verify(sig, msg, extA.pointBytes, { zip215: true }), true, `${Rhex}: ZIP-215 accepts`);
      expectBoth(extA.pointBytes, msg, sig, false, `non-canonical R ${Rhex}`);
    }
  });

  it('rejects R = rB + T (T of order 8), which the cofactored equation accepts', () => {
    const msg = utf8('torsion in R');
    const sig = craftSignature(extA.scalar, extA.pointBytes, 987654321n, msg, T8);
    assert.equal(ed.verify(sig, msg, extA.pointBytes, { zip215: false }), true, 'noble (cofactored) accepts');
    expectBoth(extA.pointBytes, msg, sig, false, 'R with torsion');
    // Control: the same nonce without torsion is a valid signature on both backends.
    expectBoth(extA.pointBytes, msg, craftSignature(extA.scalar, extA.pointBytes, 987654321n, msg), true, 'R = rB');
  });

  it('accepts a mixed-order public key exactly when the cofactorless equation holds', () => {
    // A' = aB + T: the signer knows a; [S]B − [k]A' = [r]B − [k]T, which equals R iff k ≡ 0 (mod 8).
    const mixed = extA.point.add(T8).toBytes();
    assert.doesNotThrow(() => checkEd25519PublicKey(mixed));
    const seen = new Set<boolean>();
    for (let i = 0; seen.size < 2 || i < 16; i++) {
      const msg = utf8(`mixed ${i}`);
      const sig = craftSignature(extA.scalar, mixed, 1000n + BigInt(i), msg);
      const k = mod(fromLe(sha512(new Uint8Array([...sig.subarray(0, 32), ...mixed, ...msg]))), L);
      const want = k % 8n === 0n;
      seen.add(want);
      expectBoth(mixed, msg, sig, want, `mixed-order key, message ${i}`);
      assert.ok(i < 500, 'no message with k ≡ 0 (mod 8) found');
    }
  });

  it('rejects a public key that is not a point of the curve', () => {
    let y = 2n;
    while (true) {
      try {
        ed.Point.fromBytes(le(y));
        y++;
      } catch {
        break;
      }
    }
    const A = le(y);
    expectBoth(A, utf8('m'), new Uint8Array([...B.toBytes(), ...le(1n)]), false, 'off-curve key');
    assert.throws(() => checkEd25519PublicKey(A), (e) => isStamplogError(e, 'INVALID_SIGNATURE') && /not a point/.test(e.message));
  });

  it('returns false for wrong lengths and non-byte input instead of throwing', () => {
    const v = RFC8032[0];
    const pub = unhex(v.pub);
    const sig = unhex(v.sig);
    expectBoth(pub.subarray(0, 31), new Uint8Array(), sig, false, 'pub 31');
    expectBoth(new Uint8Array([...pub, 0]), new Uint8Array(), sig, false, 'pub 33');
    expectBoth(pub, new Uint8Array(), sig.subarray(0, 63), false, 'sig 63');
    expectBoth(pub, new Uint8Array(), new Uint8Array([...sig, 0]), false, 'sig 65');
    expectBoth(new Uint8Array(), new Uint8Array(), new Uint8Array(), false, 'empty');
    const notBytes = 'x' as unknown as Uint8Array;
    expectBoth(notBytes, new Uint8Array(), sig, false, 'string key');
    expectBoth(pub, notBytes, sig, false, 'string message');
  });

  it('verifies sign output and rejects any flipped bit, identically on both backends', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 100 }),
        fc.nat({ max: 8 * (32 + 64 + 100) - 1 }),
        (seed, msg, bit) => {
          const pub = ed25519PublicKey(seed);
          const sig = ed25519Sign(seed, msg);
          expectBoth(pub, msg, sig, true, 'fresh signature');
          const all = new Uint8Array([...pub, ...sig, ...msg]);
          const b = bit % (all.length * 8);
          all[b >> 3] ^= 1 << (b & 7);
          expectBoth(all.subarray(0, 32), all.subarray(96), all.subarray(32, 96), false, `bit ${b} flipped`);
        },
      ),
      { seed: 25519, numRuns: 60 },
    );
  });
});

describe('checkEd25519PublicKey', () => {
  it('lists exactly the 8 points of small order', () => {
    const derived = new Set<string>();
    for (let i = 0n; i < 8n; i++) derived.add(hex((i === 0n ? ed.Point.ZERO : T8.multiply(i)).toBytes()));
    assert.deepEqual(new Set(ED25519_SMALL_ORDER_ENCODINGS), derived);
    for (const h of ED25519_SMALL_ORDER_ENCODINGS) assert.ok(ed.Point.fromHex(h).isSmallOrder(), h);
  });

  it('refuses small-order keys with a reason', () => {
    for (const h of ED25519_SMALL_ORDER_ENCODINGS) {
      assert.throws(
        () => checkEd25519PublicKey(unhex(h)),
        (e) => isStamplogError(e, 'INVALID_SIGNATURE') && /small order/.test(e.message),
        h,
      );
    }
  });

  it('refuses non-canonical encodings with a reason', () => {
    for (const h of NON_CANONICAL_SMALL_ORDER) {
      assert.throws(
        () => checkEd25519PublicKey(unhex(h)),
        (e) => isStamplogError(e, 'INVALID_SIGNATURE') && /not canonically encoded/.test(e.message),
        h,
      );
    }
  });

  it('refuses keys of the wrong length', () => {
    for (const n of [0, 31, 33]) {
      assert.throws(() => checkEd25519PublicKey(new Uint8Array(n)), (e) => isStamplogError(e, 'INVALID_SIGNATURE') && /32 bytes/.test(e.message));
    }
  });

  it('accepts honest keys', () => {
    for (const v of RFC8032) assert.doesNotThrow(() => checkEd25519PublicKey(unhex(v.pub)));
  });
});
