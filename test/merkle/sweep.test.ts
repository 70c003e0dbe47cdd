// Exhaustive sweep over every tree size 1..300 (Go sumdb/tlog's TestTree habit, scaled up): every
// inclusion proof and every consistency proof is generated, compared with the RFC 6962 reference,
// verified, and then every hash of every proof has one bit flipped and must be rejected. The flipped
// bit position varies with (size, index, position in proof) so that all 256 positions occur; we do
// not flip all 256 bits of every hash (≈ 2·10^8 verifications), one per hash is what Go's test does.
// The first flipped hash of each proof goes through verify* (which must throw RootMismatchError); the
// others through the compute half of verify = compute + compare (the implied root must differ), which
// is the same check without paying ~10 µs to build an Error 600,000 times.
// No "wrong size is rejected" rule is asserted: RFC 6962 proofs do not always bind the tree size.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RootMismatchError } from '../../src/base/errors.ts';
import {
  MemoryTree,
  hashEqual,
  leafHash,
  rootFromInclusionProof,
  rootsFromConsistencyProof,
  verifyConsistency,
  verifyInclusion,
  type Hash,
} from '../../src/merkle/index.ts';
import { RefTree, ascii, hex } from './reference.ts';

const MAX = 300;
const leaves = Array.from({ length: MAX }, (_, i) => leafHash(ascii(`sweep ${i}`)));
const tree = new MemoryTree();
for (const h of leaves) tree.appendLeafHash(h);
const roots = Array.from({ length: MAX + 1 }, (_, s) => tree.rootAt(s));
const ref = new RefTree(leaves);

const joined = (hashes: Hash[]): string => hashes.map(hex).join(' ');

/**
 * Flips one bit of each proof hash in turn and returns how many flips were rejected: for k = 0 by
 * `verify` throwing RootMismatchError, for k > 0 by `implied` (the compute half) returning false.
 */
function flipEach(proof: Hash[], salt: number, seen: Set<number>, verify: () => void, implied: () => boolean): number {
  let rejected = 0;
  for (let k = 0; k < proof.length; k++) {
    const bit = (salt + 97 * k) % 256;
    seen.add(bit);
    proof[k][bit >> 3] ^= 1 << (bit & 7);
    if (k === 0) {
      try {
        verify();
      } catch (e) {
        if (e instanceof RootMismatchError) rejected++;
        else throw e;
      }
    } else if (!implied()) {
      rejected++;
    }
    proof[k][bit >> 3] ^= 1 << (bit & 7);
  }
  return rejected;
}

describe('sweep › sizes 1..300', () => {
  it('the roots equal the RFC 6962 reference MTH for every size', () => {
    for (let s = 0; s <= MAX; s++) assert.equal(hex(roots[s]), hex(ref.mth(0, s)), `size ${s}`);
  });

  it('every inclusion proof (every index of every size) equals RFC 6962 PATH and verifies; one flipped bit in any of its hashes is rejected (one bit per hash, all 256 positions used)', () => {
    let proofs = 0;
    let flips = 0;
    let rejected = 0;
    const seen = new Set<number>();
    for (let n = 1; n <= MAX; n++) {
      for (let i = 0; i < n; i++) {
        const proof = tree.proveInclusion(i, n);
        assert.equal(joined(proof), joined(ref.path(i, 0, n)), `PATH(${i}, ${n})`);
        verifyInclusion(leaves[i], i, n, proof, roots[n]);
        flips += proof.length;
        rejected += flipEach(
          proof,
          31 * n + 7 * i,
          seen,
          () => verifyInclusion(leaves[i], i, n, proof, roots[n]),
          () => hashEqual(rootFromInclusionProof(leaves[i], i, n, proof), roots[n]),
        );
        verifyInclusion(leaves[i], i, n, proof, roots[n]); // restored
        proofs++;
      }
    }
    assert.equal(proofs, (MAX * (MAX + 1)) / 2);
    assert.equal(rejected, flips, `${flips - rejected} flipped proofs verified`);
    assert.ok(flips > 300_000, `${flips} flips`);
    assert.equal(seen.size, 256);
  });

  it('every consistency proof (every 1 ≤ m ≤ n ≤ 300) equals RFC 6962 PROOF and verifies; one flipped bit in any of its hashes is rejected (one bit per hash, all 256 positions used)', () => {
    let proofs = 0;
    let flips = 0;
    let rejected = 0;
    const seen = new Set<number>();
    for (let n = 1; n <= MAX; n++) {
      for (let m = 1; m <= n; m++) {
        const proof = tree.proveConsistency(m, n);
        assert.equal(joined(proof), joined(ref.proof(m, n)), `PROOF(${m}, ${n})`);
        verifyConsistency(m, n, proof, roots[m], roots[n]);
        flips += proof.length;
        rejected += flipEach(
          proof,
          13 * n + 5 * m,
          seen,
          () => verifyConsistency(m, n, proof, roots[m], roots[n]),
          () => {
            const r = rootsFromConsistencyProof(m, n, proof, roots[m]);
            return hashEqual(r.root1, roots[m]) && hashEqual(r.root2, roots[n]);
          },
        );
        verifyConsistency(m, n, proof, roots[m], roots[n]);
        proofs++;
      }
    }
    assert.equal(proofs, (MAX * (MAX + 1)) / 2);
    assert.equal(rejected, flips, `${flips - rejected} flipped proofs verified`);
    assert.ok(flips > 250_000, `${flips} flips`);
    assert.equal(seen.size, 256);
  });

  it('a proof checked against the root of the neighbouring size is rejected (the roots differ)', () => {
    for (let n = 2; n <= MAX; n++) {
      const i = n - 1;
      const proof = tree.proveInclusion(i, n);
      assert.throws(() => verifyInclusion(leaves[i], i, n, proof, roots[n - 1]), RootMismatchError);
      const c = tree.proveConsistency(1, n);
      assert.throws(() => verifyConsistency(1, n, c, roots[1], roots[n - 1]), RootMismatchError);
    }
  });
});
