import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sha256 } from '../../src/crypto/sha256.ts';
import { EMPTY_ROOT, HASH_SIZE, hashEqual, leafHash, nodeHash, nodeHashInto as nodeHashIntoNode } from '../../src/merkle/index.ts';
import { nodeHashIntoPortable } from '../../src/merkle/nodehash.ts';
import { hex, refLeaf, refNode, unhex } from './reference.ts';

const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe('EMPTY_ROOT', () => {
  it('is SHA-256 of the empty string (RFC 9162 §2.1.1)', () => {
    assert.equal(hex(EMPTY_ROOT), 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(HASH_SIZE, 32);
  });
});

describe('leafHash', () => {
  it('matches the RFC 6962 leaf hash of the empty leaf and of 0x00 (transparency-dev test data)', () => {
    assert.equal(hex(leafHash(new Uint8Array(0))), '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    assert.equal(hex(leafHash(unhex('00'))), '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7');
  });

  it('equals SHA-256(0x00 || data) for arbitrary data, including views into larger buffers', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(16), (data, skip) => {
        const big = new Uint8Array(skip + data.length + 3).fill(0xee);
        big.set(data, skip);
        const view = big.subarray(skip, skip + data.length);
        assert.equal(hex(leafHash(view)), hex(refLeaf(data)));
      }),
      { seed: 1, numRuns: 300 },
    );
  });

  it('hashes leaves on both sides of the 64 KiB scratch buffer', () => {
    for (const n of [65_535, 65_536, 65_537, 200_000]) {
      const data = new Uint8Array(n).map((_, i) => i * 7);
      assert.equal(hex(leafHash(data)), hex(refLeaf(data)), `length ${n}`);
    }
  });

  it('returns independent arrays (a later call does not overwrite an earlier result)', () => {
    const a = leafHash(unhex('01'));
    const saved = hex(a);
    leafHash(unhex('02'));
    assert.equal(hex(a), saved);
  });
});

describe('nodeHash', () => {
  it('equals SHA-256(0x01 || left || right) computed by node:crypto, on random hashes', () => {
    fc.assert(
      fc.property(hash32, hash32, (l, r) => {
        assert.equal(hex(nodeHash(l, r)), hex(refNode(l, r)));
      }),
      { seed: 2, numRuns: 3000 },
    );
  });

  it('agrees with node:crypto for every value of the last right byte (the precomputed second block)', () => {
    const l = sha256(unhex('01'));
    const r = sha256(unhex('02'));
    for (let b = 0; b < 256; b++) {
      r[31] = b;
      assert.equal(hex(nodeHash(l, r)), hex(refNode(l, r)), `right[31] = ${b}`);
    }
  });

  it('agrees with node:crypto on all-zero and all-one inputs', () => {
    for (const [x, y] of [
      [0x00, 0x00],
      [0xff, 0xff],
      [0x00, 0xff],
      [0xff, 0x00],
    ]) {
      const l = new Uint8Array(32).fill(x);
      const r = new Uint8Array(32).fill(y);
      assert.equal(hex(nodeHash(l, r)), hex(refNode(l, r)));
    }
  });

  it('is order-sensitive and differs from the leaf hash of the same 64 bytes', () => {
    const l = sha256(unhex('aa'));
    const r = sha256(unhex('bb'));
    assert.notEqual(hex(nodeHash(l, r)), hex(nodeHash(r, l)));
    const cat = new Uint8Array(64);
    cat.set(l);
    cat.set(r, 32);
    assert.notEqual(hex(nodeHash(l, r)), hex(leafHash(cat)));
  });
});

describe('nodeHashInto', () => {
  const variants = [
    ['nodeHashInto (OpenSSL on Node)', nodeHashIntoNode],
    ['nodeHashIntoPortable', nodeHashIntoPortable],
  ] as const;
  for (const [name, nodeHashInto] of variants) {
    it(`${name} writes at offsets and allows the output to alias either input`, () => {
      fc.assert(
        fc.property(hash32, hash32, fc.nat(40), (l, r, off) => {
          const want = hex(refNode(l, r));
          const buf = new Uint8Array(off + 96);
          buf.set(l, off);
          buf.set(r, off + 32);
          nodeHashInto(buf, off, buf, off + 32, buf, off + 64);
          assert.equal(hex(buf.subarray(off + 64, off + 96)), want);
          // Output over the left input, then over the right input.
          const a = l.slice();
          nodeHashInto(a, 0, r, 0, a, 0);
          assert.equal(hex(a), want);
          const b = r.slice();
          nodeHashInto(l, 0, b, 0, b, 0);
          assert.equal(hex(b), want);
        }),
        { seed: 3, numRuns: 300 },
      );
    });
  }
});

describe('hashEqual', () => {
  it('compares bytes and lengths', () => {
    assert.equal(hashEqual(unhex('0102'), unhex('0102')), true);
    assert.equal(hashEqual(unhex('0102'), unhex('0103')), false);
    assert.equal(hashEqual(unhex('0102'), unhex('010200')), false);
    assert.equal(hashEqual(new Uint8Array(0), new Uint8Array(0)), true);
  });
});
