import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_TREE_SIZE,
  leafHash,
  splitStoredHashIndex,
  storedHashCount,
  storedHashIndex,
  storedHashesForRecord,
  storedHashesForRecordAsync,
  storedHashesForRecordFromHashes,
  storedHashesForRecordIndexes,
  treeHash,
  treeHashFromHashes,
  treeHashIndexes,
} from '../../src/merkle/index.ts';
import { ArrayReader, RefTree, ascii, assertStamplogError, hex } from './reference.ts';

/** StoredHashIndex exactly as Go's sumdb/tlog loop computes it, in BigInt (the reference layout). */
function goStoredHashIndex(level: number, n: bigint): bigint {
  for (let l = level; l > 0; l--) n = 2n * n + 1n;
  let i = 0n;
  for (; n > 0n; n >>= 1n) i += n;
  return i + BigInt(level);
}

describe('storedHashIndex', () => {
  it('lays out the first hashes as Go sumdb/tlog does (0,0 0,1 1,0 0,2 0,3 1,1 2,0 0,4 …)', () => {
    const want: [number, number, number][] = [
      [0, 0, 0], [0, 1, 1], [1, 0, 2], [0, 2, 3], [0, 3, 4], [1, 1, 5], [2, 0, 6], [0, 4, 7],
      [0, 5, 8], [1, 2, 9], [0, 6, 10], [0, 7, 11], [1, 3, 12], [2, 1, 13], [3, 0, 14], [0, 8, 15],
    ];
    for (const [level, n, index] of want) {
      assert.equal(storedHashIndex(level, n), index, `(${level}, ${n})`);
      assert.deepEqual(splitStoredHashIndex(index), { level, index: n }, `split ${index}`);
    }
  });

  it('equals the Go loop on random nodes up to the 2^52-leaf limit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 52 }), fc.double({ min: 0, max: 1, noNaN: true }), (level, f) => {
        const count = 2 ** (52 - level); // nodes of this level in a 2^52-leaf tree
        const n = Math.min(count - 1, Math.floor(f * count));
        assert.equal(BigInt(storedHashIndex(level, n)), goStoredHashIndex(level, BigInt(n)), `(${level}, ${n})`);
      }),
      { seed: 21, numRuns: 2000 },
    );
  });

  it('round-trips through splitStoredHashIndex for levels < 10 and n < 100 (Go TestSplitStoredHashIndex)', () => {
    for (let level = 0; level < 10; level++) {
      for (let n = 0; n < 100; n++) {
        assert.deepEqual(splitStoredHashIndex(storedHashIndex(level, n)), { level, index: n });
      }
    }
  });

  it('round-trips at the top of the range', () => {
    for (const [level, n] of [
      [0, MAX_TREE_SIZE - 1],
      [52, 0],
      [51, 1],
      [1, MAX_TREE_SIZE / 2 - 1],
      [20, 2 ** 32 - 1],
    ]) {
      const i = storedHashIndex(level, n);
      assert.ok(Number.isSafeInteger(i));
      assert.deepEqual(splitStoredHashIndex(i), { level, index: n });
    }
    // The last record of a 2^52-leaf tree writes its leaf hash and completes 52 subtrees.
    assert.equal(storedHashIndex(0, MAX_TREE_SIZE - 1) + 1 + 52, storedHashCount(MAX_TREE_SIZE));
  });

  it('rejects levels above 63, nodes beyond 2^52 leaves and non-integers with MALFORMED', () => {
    assertStamplogError(() => storedHashIndex(64, 0), 'MALFORMED');
    assertStamplogError(() => storedHashIndex(53, 0), 'MALFORMED');
    assertStamplogError(() => storedHashIndex(0, MAX_TREE_SIZE), 'MALFORMED');
    for (const bad of [-1, 0.5, NaN, Infinity, 2 ** 53]) {
      assertStamplogError(() => storedHashIndex(0, bad), 'MALFORMED', String(bad));
      assertStamplogError(() => storedHashIndex(bad, 0), 'MALFORMED', String(bad));
      assertStamplogError(() => splitStoredHashIndex(bad), 'MALFORMED', String(bad));
    }
  });
});

describe('splitStoredHashIndex', () => {
  it('is the inverse of storedHashIndex on random safe indexes', () => {
    fc.assert(
      fc.property(fc.nat({ max: Number.MAX_SAFE_INTEGER - 64 }), (x) => {
        const { level, index } = splitStoredHashIndex(x);
        assert.equal(BigInt(x), goStoredHashIndex(level, BigInt(index)));
      }),
      { seed: 22, numRuns: 2000 },
    );
  });
});

describe('storedHashCount', () => {
  it('is 2n − popcount(n), 0 for the empty tree, and rejects sizes above 2^52', () => {
    assert.equal(storedHashCount(0), 0);
    assert.equal(storedHashCount(1), 1);
    assert.equal(storedHashCount(2), 3);
    assert.equal(storedHashCount(3), 4);
    assert.equal(storedHashCount(4), 7);
    assert.equal(storedHashCount(MAX_TREE_SIZE), 2 * MAX_TREE_SIZE - 1);
    assertStamplogError(() => storedHashCount(MAX_TREE_SIZE + 1), 'MALFORMED');
  });
});

describe('storedHashesForRecord', () => {
  const N = 600;
  const leaves = Array.from({ length: N }, (_, i) => leafHash(ascii(`record ${i}`)));
  const storage = new ArrayReader();
  for (let i = 0; i < N; i++) storage.hashes.push(...storedHashesForRecord(i, leaves[i], storage));
  const ref = new RefTree(leaves);

  it('grows the storage by exactly storedHashCount after every record (Go TestTree)', () => {
    const s = new ArrayReader();
    for (let i = 0; i < 70; i++) {
      s.hashes.push(...storedHashesForRecord(i, leaves[i], s));
      assert.equal(s.hashes.length, storedHashCount(i + 1));
    }
  });

  it('stores at every index the RFC 6962 hash of exactly the leaves (level, n) covers', () => {
    for (let x = 0; x < storage.hashes.length; x++) {
      const { level, index } = splitStoredHashIndex(x);
      const lo = index * 2 ** level;
      assert.equal(hex(storage.hashes[x]), hex(ref.mth(lo, lo + 2 ** level)), `stored hash ${x} = (${level}, ${index})`);
    }
  });

  it('reads in one call, in increasing index order, only hashes that already exist', () => {
    for (let n = 0; n < 300; n++) {
      const idx = storedHashesForRecordIndexes(n);
      for (let i = 1; i < idx.length; i++) assert.ok(idx[i - 1] < idx[i]);
      for (const x of idx) assert.ok(x < storedHashCount(n), `record ${n} reads ${x}`);
    }
    const before = storage.calls;
    storedHashesForRecord(255, leaves[255], storage);
    assert.equal(storage.calls - before, 1);
  });

  it('gives the same hashes through the async reader and the pure function', async () => {
    const asyncReader = { readHashes: async (i: readonly number[]) => storage.readHashes(i) };
    for (const n of [0, 1, 2, 7, 255, 511, 599]) {
      const sync = storedHashesForRecord(n, leaves[n], storage).map(hex);
      assert.deepEqual((await storedHashesForRecordAsync(n, leaves[n], asyncReader)).map(hex), sync);
      const pure = storedHashesForRecordFromHashes(n, leaves[n], storage.readHashes(storedHashesForRecordIndexes(n)));
      assert.deepEqual(pure.map(hex), sync);
    }
  });

  it('rejects readers that return the wrong number or size of hashes', () => {
    assertStamplogError(() => storedHashesForRecord(3, leaves[3], { readHashes: () => [] }), 'INTERNAL');
    assertStamplogError(() => storedHashesForRecord(3, leaves[3], { readHashes: (i) => i.map(() => new Uint8Array(31)) }), 'CORRUPTION');
    assertStamplogError(() => storedHashesForRecordFromHashes(3, leaves[3], []), 'MALFORMED');
    assertStamplogError(() => storedHashesForRecord(0, new Uint8Array(31), storage), 'MALFORMED');
    assertStamplogError(() => storedHashesForRecordIndexes(MAX_TREE_SIZE), 'MALFORMED');
  });
});

describe('treeHash', () => {
  const leaves = Array.from({ length: 300 }, (_, i) => leafHash(ascii(`t${i}`)));
  const storage = new ArrayReader();
  for (let i = 0; i < leaves.length; i++) storage.hashes.push(...storedHashesForRecord(i, leaves[i], storage));
  const ref = new RefTree(leaves);

  it('equals the reference MTH for every size 0..300 with one read of popcount(size) hashes', () => {
    for (let size = 0; size <= 300; size++) {
      const before = storage.calls;
      assert.equal(hex(treeHash(size, storage)), hex(ref.mth(0, size)), `size ${size}`);
      assert.equal(storage.calls - before, size === 0 ? 0 : 1);
      assert.equal(treeHashIndexes(size).length, [...size.toString(2)].filter((c) => c === '1').length);
    }
  });

  it('plans the perfect subtrees of a 2^52-leaf-limit tree with safe indexes', () => {
    const idx = treeHashIndexes(MAX_TREE_SIZE - 1);
    assert.equal(idx.length, 52);
    for (const x of idx) assert.ok(Number.isSafeInteger(x));
    assert.deepEqual(splitStoredHashIndex(idx[0]), { level: 51, index: 0 });
    assert.deepEqual(splitStoredHashIndex(idx[51]), { level: 0, index: MAX_TREE_SIZE - 2 });
    assertStamplogError(() => treeHashIndexes(MAX_TREE_SIZE + 1), 'MALFORMED');
    assertStamplogError(() => treeHashFromHashes(3, [leaves[0]]), 'MALFORMED');
  });
});
