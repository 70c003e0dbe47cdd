// Hostile-input fuzzing (fast-check, fixed seeds): verifiers, parsers and readers fed random bytes,
// random proofs, huge sizes, index ≥ size, 2^53 and beyond, negative numbers, NaN, non-integers and
// hashes of the wrong length must throw StamplogError and nothing else. Also: the 53-bit arithmetic of
// verification and proof planning against BigInt references on sizes up to 2^53 − 1.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { StamplogError } from '../../src/base/errors.ts';
import {
  MAX_TREE_SIZE,
  MemoryTree,
  consistencyProofIndexes,
  hashFromTile,
  inclusionProofIndexes,
  newTiles,
  parseTilePath,
  rootFromInclusionProof,
  rootsFromConsistencyProof,
  splitStoredHashIndex,
  storedHashIndex,
  tileForStoredHash,
  tileHashReader,
  verifyConsistency,
  verifyInclusion,
  type Hash,
  type Tile,
} from '../../src/merkle/index.ts';
import { hex, onlyStamplogErrors, refNode } from './reference.ts';

const MAX = Number.MAX_SAFE_INTEGER;

// Numbers (and non-numbers) a parser might hand over.
const hostileNumber = fc.oneof(
  fc.nat({ max: 2000 }),
  fc.integer(),
  fc.nat({ max: MAX }),
  fc.double(),
  fc.constantFrom(-1, -0, 0.5, NaN, Infinity, -Infinity, 2 ** 53, 2 ** 53 + 2, 2 ** 64, 1e300, MAX, -MAX, 2 ** 52),
  fc.bigInt().map((b) => b as unknown as number),
  fc.string().map((s) => s as unknown as number),
  fc.constantFrom(null, undefined, {}, [], [1]).map((x) => x as unknown as number),
);
// Hash-like values: mostly 32 bytes, often not.
const hostileHash = fc.oneof(
  fc.uint8Array({ minLength: 32, maxLength: 32 }),
  fc.uint8Array({ maxLength: 70 }),
  fc.constantFrom(null, undefined, 'x'.repeat(32), new Array(32).fill(0), new Uint16Array(32)).map((x) => x as unknown as Hash),
);
const hostileProof = fc.oneof(
  fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { maxLength: 70 }),
  fc.array(hostileHash, { maxLength: 10 }),
  fc.constantFrom(null, undefined, 'proof', {}, { length: 3 }).map((x) => x as unknown as Hash[]),
);

function onlyStamplog(fn: () => unknown): void {
  onlyStamplogErrors(fn);
}

describe('fuzz › verifiers only ever throw StamplogError', () => {
  it('verifyInclusion and rootFromInclusionProof on hostile numbers, proofs and hashes', () => {
    fc.assert(
      fc.property(hostileHash, hostileNumber, hostileNumber, hostileProof, hostileHash, (leaf, index, size, proof, root) => {
        onlyStamplog(() => verifyInclusion(leaf, index, size, proof, root));
        onlyStamplog(() => rootFromInclusionProof(leaf, index, size, proof));
      }),
      { seed: 61, numRuns: 5000 },
    );
  });

  it('verifyConsistency and rootsFromConsistencyProof on hostile numbers, proofs and hashes', () => {
    fc.assert(
      fc.property(hostileNumber, hostileNumber, hostileProof, hostileHash, hostileHash, (s1, s2, proof, r1, r2) => {
        onlyStamplog(() => verifyConsistency(s1, s2, proof, r1, r2));
        onlyStamplog(() => rootsFromConsistencyProof(s1, s2, proof, r1));
      }),
      { seed: 62, numRuns: 5000 },
    );
  });

  it('rejects proofs longer than 64 hashes as MALFORMED before looking at them', () => {
    let touched = 0;
    const proof = new Proxy(new Array(65).fill(new Uint8Array(32)), {
      get(target, prop, receiver) {
        if (typeof prop === 'string' && /^\d+$/.test(prop)) touched++;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    assert.throws(() => verifyInclusion(new Uint8Array(32), 0, 2 ** 52, proof, new Uint8Array(32)), (e) => e instanceof StamplogError && e.code === 'MALFORMED');
    assert.throws(() => verifyConsistency(1, 2 ** 52, proof, new Uint8Array(32), new Uint8Array(32)), (e) => e instanceof StamplogError && e.code === 'MALFORMED');
    assert.equal(touched, 0);
  });

  it('mutated valid proofs (index/size off by one or beyond 2^53, hashes resized, added or removed) are rejected with StamplogError', () => {
    const tree = new MemoryTree();
    for (let i = 0; i < 1000; i++) tree.append(new Uint8Array([i & 0xff, i >> 8]));
    const mutations = [
      (i: number, n: number, p: Hash[]) => [i + 1, n, p] as const,
      (i: number, n: number, p: Hash[]) => [n, n, p] as const,
      (i: number, n: number, p: Hash[]) => [i, 2 ** 53, p] as const,
      (i: number, n: number, p: Hash[]) => [i, -n, p] as const,
      (i: number, n: number, p: Hash[]) => [i + 0.5, n, p] as const,
      (i: number, n: number, p: Hash[]) => [i, n, [...p, p[0] ?? new Uint8Array(32)]] as const,
      (i: number, n: number, p: Hash[]) => [i, n, p.slice(1)] as const,
      (i: number, n: number, p: Hash[]) => [i, n, p.map((h, k) => (k === 0 ? h.subarray(1) : h))] as const,
      (i: number, n: number, p: Hash[]) => [i, n, p.map((h, k) => (k === 0 ? new Uint8Array([...h, 0]) : h))] as const,
    ];
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 1000 }), fc.nat(), fc.integer({ min: 0, max: mutations.length - 1 }), (n, a, which) => {
        const i = a % n;
        const p = tree.proveInclusion(i, n);
        const [mi, mn, mp] = mutations[which](i, n, p);
        if (mi === i && mn === n && mp === p) return;
        if (mp.length === 0 && p.length === 0 && mi === i && mn === n) return;
        assert.throws(
          () => verifyInclusion(tree.leafHash(i), mi, mn, mp, tree.rootAt(n)),
          (e) => e instanceof StamplogError,
          `mutation ${which} of (${i}, ${n})`,
        );
        const m = 1 + (a % n);
        const c = tree.proveConsistency(m, n);
        const [m1, m2, mc] = mutations[which](m, n, c);
        if (m1 === m && m2 === n && mc.length === c.length && mc.every((h, k) => h === c[k])) return;
        if (mc.length === 0 && c.length === 0 && m1 === m && m2 === n) return;
        assert.throws(
          () => verifyConsistency(m1, m2, mc, tree.rootAt(m), tree.rootAt(n)),
          (e) => e instanceof StamplogError,
          `mutation ${which} of (${m} → ${n})`,
        );
      }),
      { seed: 63, numRuns: 1500 },
    );
  });
});

// ---- BigInt references for 53-bit arithmetic --------------------------------------------------------

const big = BigInt;
const bitlen = (x: bigint): number => (x === 0n ? 0 : x.toString(2).length);
const popcnt = (x: bigint): number => [...x.toString(2)].filter((c) => c === '1').length;
const tz = (x: bigint): number => {
  let n = 0;
  for (; (x & 1n) === 0n; x >>= 1n) n++;
  return n;
};

/** RFC 9162 §2.1.3.2, literally, in BigInt; null where the RFC says "fail". */
function bigInclusion(leaf: Hash, index: bigint, size: bigint, proof: Hash[]): Hash | null {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1n;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0n) return null;
    if ((fn & 1n) === 1n || fn === sn) {
      r = refNode(p, r);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      r = refNode(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? r : null;
}

/** RFC 9162 §2.1.4.2, literally, in BigInt, for 0 < size1 < size2; null where the RFC says "fail". */
function bigConsistency(size1: bigint, size2: bigint, proof: Hash[], root1: Hash): [Hash, Hash] | null {
  if (proof.length === 0) return null;
  const path = popcnt(size1) === 1 ? [root1, ...proof] : proof;
  let fn = size1 - 1n;
  let sn = size2 - 1n;
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return null;
    if ((fn & 1n) === 1n || fn === sn) {
      fr = refNode(c, fr);
      sr = refNode(c, sr);
      while ((fn & 1n) === 0n && fn !== 0n) {
        fn >>= 1n;
        sn >>= 1n;
      }
    } else {
      sr = refNode(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return sn === 0n ? [fr, sr] : null;
}

/** transparency-dev's proof length formulas (decompInclProof), in BigInt. */
function inclusionLength(index: bigint, size: bigint): number {
  const inner = bitlen(index ^ (size - 1n));
  return inner + popcnt(index >> big(inner));
}
function consistencyLength(size1: bigint, size2: bigint): number {
  const shift = tz(size1);
  const inner = bitlen((size1 - 1n) ^ (size2 - 1n)) - shift;
  const border = popcnt((size1 - 1n) >> big(bitlen((size1 - 1n) ^ (size2 - 1n))));
  return (size1 === 1n << big(shift) ? 0 : 1) + inner + border;
}

const pseudoHash = (seed: number, k: number): Hash => refNode(new Uint8Array(32).fill(seed & 0xff), new Uint8Array(32).fill(k));

// Sizes across the whole safe range, with weight on small ones and on powers of two and their neighbours.
const sizeArb = fc.oneof(
  fc.integer({ min: 1, max: 5000 }),
  fc.integer({ min: 1, max: MAX }),
  fc.integer({ min: 1, max: 53 }).chain((k) => fc.constantFrom(2 ** (k - 1), Math.min(MAX, 2 ** k - 1), Math.min(MAX, 2 ** (k - 1) + 1))),
);

describe('fuzz › 53-bit verification arithmetic equals RFC 9162 in BigInt', () => {
  it('rootFromInclusionProof on random (index, size) up to 2^53 − 1, for right and wrong proof lengths', () => {
    fc.assert(
      fc.property(sizeArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: -1, max: 1 }), fc.nat(255), (size, f, delta, seed) => {
        const index = Math.min(size - 1, Math.floor(f * size));
        const want = inclusionLength(big(index), big(size));
        const len = Math.max(0, want + delta);
        const proof = Array.from({ length: len }, (_, k) => pseudoHash(seed, k));
        const leaf = pseudoHash(seed, 255);
        const ref = bigInclusion(leaf, big(index), big(size), proof);
        try {
          const got = rootFromInclusionProof(leaf, index, size, proof);
          assert.ok(ref !== null, `accepted a proof the RFC rejects (${index}, ${size}, length ${len})`);
          assert.equal(hex(got), hex(ref));
          assert.equal(len, want);
        } catch (e) {
          assert.ok(e instanceof StamplogError && e.code === 'PROOF_MISMATCH', String(e));
          assert.equal(ref, null, `rejected a proof the RFC accepts (${index}, ${size}, length ${len})`);
        }
      }),
      { seed: 64, numRuns: 1500 },
    );
  });

  it('rootsFromConsistencyProof on random 0 < size1 < size2 up to 2^53 − 1, for right and wrong proof lengths', () => {
    fc.assert(
      fc.property(sizeArb, fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: -1, max: 1 }), fc.nat(255), (size2, f, delta, seed) => {
        fc.pre(size2 >= 2);
        const size1 = Math.max(1, Math.min(size2 - 1, Math.floor(f * size2)));
        const want = consistencyLength(big(size1), big(size2));
        const len = Math.max(0, want + delta);
        const proof = Array.from({ length: len }, (_, k) => pseudoHash(seed, k));
        const root1 = pseudoHash(seed, 254);
        const ref = bigConsistency(big(size1), big(size2), proof, root1);
        try {
          const got = rootsFromConsistencyProof(size1, size2, proof, root1);
          assert.ok(ref !== null, `accepted a proof the RFC rejects (${size1} → ${size2}, length ${len})`);
          assert.equal(hex(got.root1), hex(ref[0]));
          assert.equal(hex(got.root2), hex(ref[1]));
          assert.equal(len, want);
        } catch (e) {
          assert.ok(e instanceof StamplogError && e.code === 'PROOF_MISMATCH', String(e));
          assert.equal(ref, null, `rejected a proof the RFC accepts (${size1} → ${size2}, length ${len})`);
        }
      }),
      { seed: 65, numRuns: 1500 },
    );
  });

  it('verifies at the very top of the range (size 2^53 − 1) in bounded time', () => {
    const size = MAX;
    for (const index of [0, 1, size - 2, size - 1, 2 ** 52, 2 ** 52 - 1]) {
      const len = inclusionLength(big(index), big(size));
      assert.ok(len <= 53);
      const proof = Array.from({ length: len }, (_, k) => pseudoHash(index % 251, k));
      const root = rootFromInclusionProof(pseudoHash(1, 1), index, size, proof);
      verifyInclusion(pseudoHash(1, 1), index, size, proof, root);
    }
  });
});

/** The stored nodes (level, n) a proof is made of, grouped per proof hash, by transparency-dev's decomposition. */
function rangeNodes(lo: bigint, hi: bigint): [number, bigint][] {
  const out: [number, bigint][] = [];
  for (let k = bitlen(hi - lo) - 1; k >= 0; k--) {
    if (((hi - lo) >> big(k)) & 1n) {
      out.push([k, lo >> big(k)]);
      lo += 1n << big(k);
    }
  }
  return out;
}
function pathNodes(level: number, idx: bigint, size: bigint): [number, bigint][] {
  const inner = bitlen(idx ^ ((size - 1n) >> big(level)));
  const out: [number, bigint][] = [];
  for (let j = 0; j < inner; j++) {
    const s = (idx >> big(j)) ^ 1n;
    if (j < inner - 1) out.push([level + j, s]);
    else out.push(...rangeNodes(s << big(level + j), size));
  }
  for (let j = inner; idx >> big(j) > 0n; j++) {
    if ((idx >> big(j)) & 1n) out.push([level + j, (idx >> big(j)) - 1n]);
  }
  return out;
}

describe('fuzz › proof planning for trees up to 2^52 leaves equals a BigInt decomposition', () => {
  const sizes = fc.oneof(
    fc.integer({ min: 1, max: 5000 }),
    fc.integer({ min: 1, max: MAX_TREE_SIZE }),
    fc.integer({ min: 1, max: 52 }).chain((k) => fc.constantFrom(2 ** k, 2 ** k - 1, 2 ** (k - 1) + 1)),
  );
  const asNodes = (indexes: number[]): string =>
    indexes.map((x) => splitStoredHashIndex(x)).map((p) => `${p.level}:${p.index}`).join(' ');
  const fromBig = (nodes: [number, bigint][]): string => nodes.map(([l, n]) => `${l}:${n}`).join(' ');

  it('inclusionProofIndexes and consistencyProofIndexes name the right nodes, as safe integers', () => {
    fc.assert(
      fc.property(sizes, fc.double({ min: 0, max: 1, noNaN: true }), (size, f) => {
        const index = Math.min(size - 1, Math.floor(f * size));
        const inc = inclusionProofIndexes(index, size);
        for (const x of inc) assert.ok(Number.isSafeInteger(x) && x >= 0);
        assert.equal(asNodes(inc), fromBig(pathNodes(0, big(index), big(size))), `inclusion (${index}, ${size})`);
        const size1 = Math.max(1, Math.floor(f * size));
        const con = consistencyProofIndexes(size1, size);
        if (size1 === size) {
          assert.deepEqual(con, []);
          return;
        }
        const shift = tz(big(size1));
        const idx = (big(size1) - 1n) >> big(shift);
        const want: [number, bigint][] = idx === 0n ? [] : [[shift, idx]];
        want.push(...pathNodes(shift, idx, big(size)));
        assert.equal(asNodes(con), fromBig(want), `consistency (${size1} → ${size})`);
      }),
      { seed: 66, numRuns: 1500 },
    );
  });
});

describe('fuzz › parsers and tile maths only ever throw StamplogError', () => {
  it('parseTilePath on random strings (ASCII, Unicode, path-like)', () => {
    const pathLike = fc
      .array(fc.constantFrom('tile', 'entries', '/', 'x', '0', '1', '9', '000', '255', '256', '.p', '.', '..', '-', '%2F', '\\', '\u0000', 'é'), {
        maxLength: 14,
      })
      .map((parts) => parts.join(''));
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), pathLike), (s) => onlyStamplog(() => parseTilePath(s))),
      { seed: 67, numRuns: 5000 },
    );
  });

  it('storedHashIndex, splitStoredHashIndex, tileForStoredHash and newTiles on hostile numbers', () => {
    fc.assert(
      fc.property(hostileNumber, hostileNumber, (a, b) => {
        onlyStamplog(() => storedHashIndex(a, b));
        onlyStamplog(() => splitStoredHashIndex(a));
        onlyStamplog(() => tileForStoredHash(a));
        onlyStamplog(() => newTiles(a, b));
        onlyStamplog(() => inclusionProofIndexes(a, b));
        onlyStamplog(() => consistencyProofIndexes(a, b));
      }),
      { seed: 68, numRuns: 3000 },
    );
  });

  it('hashFromTile on random tiles, data and indexes', () => {
    const tileArb = fc.record({ level: hostileNumber, index: hostileNumber, width: hostileNumber });
    fc.assert(
      fc.property(tileArb, fc.uint8Array({ maxLength: 600 }), hostileNumber, (tile, data, x) => {
        onlyStamplog(() => hashFromTile(tile as Tile, data, x));
      }),
      { seed: 69, numRuns: 3000 },
    );
  });

  it('tileHashReader over a tile server that returns random bytes', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 100_000 }), fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.array(fc.nat(), { maxLength: 5 }), fc.nat(), (size, root, idx, salt) => {
        const reader = tileHashReader({ size, root }, (t) => {
          // Usually the right length (so authentication is what fails), sometimes not.
          const len = salt % 5 === 0 ? (t.width * 32 + salt) % 9000 : t.width * 32;
          return new Uint8Array(len).map((_, i) => (i * 31 + salt) & 0xff);
        });
        onlyStamplog(() => reader.readHashes(idx.map((i) => i % (2 * size + 3))));
        onlyStamplog(() => reader.readHashes(idx.map(() => -1)));
      }),
      { seed: 70, numRuns: 400 },
    );
  });
});
