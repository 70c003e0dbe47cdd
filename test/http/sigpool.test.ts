// Ed25519 on worker threads (src/http/sigpool.ts) gives exactly the answer of the one-thread rule
// (ed25519Verify) on the RFC 8032 and ed25519-speccheck vectors, on random valid and corrupted signatures,
// and on many jobs batched into one message, each answer going back to its own job — with the equation in
// libsodium (sodium-native) and in OpenSSL.
import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { ed25519PublicKey, ed25519Sign, ed25519Verify, ED25519_SMALL_ORDER_ENCODINGS } from '../../src/crypto/ed25519.ts';
import { fromHex } from '../../src/base/bytes.ts';
import { SignatureWorkers } from '../../src/http/sigpool.ts';
import { RFC8032, SPECCHECK } from '../helpers/ed25519cases.ts';

const unhex = (h: string) => fromHex(h) as Uint8Array;

for (const backend of ['sodium', 'openssl'] as const) describe(`SignatureWorkers (${backend})`, () => {
  const pool = new SignatureWorkers(2, backend);
  after(() => pool.close());

  it(`runs the equation on ${backend}`, () => {
    assert.equal(pool.backend, backend);
  });
  const check = async (publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array) => {
    const want = ed25519Verify(publicKey, message, signature);
    assert.equal(await pool.verify({ publicKey, message, signature }), want);
    return want;
  };

  it('agrees with ed25519Verify on RFC 8032 §7.1 and every ed25519-speccheck case', async () => {
    for (const v of RFC8032) assert.equal(await check(unhex(v.pub), unhex(v.msg), unhex(v.sig)), true, v.name);
    for (const c of SPECCHECK) assert.equal(await check(unhex(c.pub), unhex(c.msg), unhex(c.sig)), c.want, c.why);
  });

  it('agrees with ed25519Verify on random signatures, corrupted or not (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 300 }),
        fc.constantFrom('none', 'sig', 'msg', 'key', 'smallKey', 'sPlusL'),
        fc.nat(),
        async (seed, message, corrupt, at) => {
          let publicKey = ed25519PublicKey(seed);
          let msg = message;
          const sig = ed25519Sign(seed, message).slice();
          if (corrupt === 'sig') sig[at % 64] ^= 1 << (at % 8);
          if (corrupt === 'msg') msg = Uint8Array.from([...message, at & 0xff]);
          if (corrupt === 'key') publicKey = Uint8Array.from(publicKey, (b, i) => (i === at % 32 ? b ^ 1 : b));
          if (corrupt === 'smallKey') publicKey = unhex(ED25519_SMALL_ORDER_ENCODINGS[at % ED25519_SMALL_ORDER_ENCODINGS.length]);
          if (corrupt === 'sPlusL') sig[63] |= 0xf0;
          const want = await check(publicKey, msg, sig);
          if (corrupt === 'none') assert.equal(want, true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('answers each of many concurrent jobs (one batch) with its own result', async () => {
    const jobs = Array.from({ length: 500 }, (_, i) => {
      const seed = new Uint8Array(32).fill(i % 251);
      const message = new TextEncoder().encode(`statement ${i}`);
      const signature = ed25519Sign(seed, message).slice();
      if (i % 3 === 0) signature[5] ^= 0x40;
      return { publicKey: ed25519PublicKey(seed), message, signature, want: i % 3 !== 0 };
    });
    const got = await Promise.all(jobs.map((j) => pool.verify(j)));
    assert.deepEqual(got, jobs.map((j) => j.want));
  });
});
