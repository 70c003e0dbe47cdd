import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { RootMismatchError, StamplogError } from '../../src/base/errors.ts';
import {
  MemoryTree,
  locateStoredHash,
  proveConsistency,
  proveInclusion,
  proveInclusionAsync,
  storedHashCount,
  storedHashIndex,
  tileData,
  tileHashReader,
  tileHashReaderAsync,
  tilePath,
  tilesForSize,
  treeHash,
  verifyInclusion,
  type Tile,
} from '../../src/merkle/index.ts';
import { assertStamplogError, hex } from './reference.ts';

const N = 70_000;
const tree = new MemoryTree();
for (let i = 0; i < N; i++) tree.append(new Uint8Array([i & 0xff, (i >> 8) & 0xff, i >> 16, 2]));

/** A tile server for the tree at `size` (tiles made from the big tree: earlier hashes never change). */
function server(size: number): { fetch: (t: Tile) => Uint8Array; fetched: string[] } {
  const tiles = new Map<string, Uint8Array>();
  for (const t of tilesForSize(size)) tiles.set(tilePath(t), tileData(t, tree));
  const fetched: string[] = [];
  return {
    fetched,
    fetch: (t) => {
      fetched.push(tilePath(t));
      const d = tiles.get(tilePath(t));
      if (d === undefined) throw new StamplogError('NOT_FOUND', `no tile ${tilePath(t)}`);
      return d;
    },
  };
}

const range = (n: number, step = 1): number[] => Array.from({ length: Math.ceil(n / step) }, (_, i) => i * step);

describe('tileHashReader', () => {
  for (const size of [1, 2, 3, 255, 256, 257, 600, 65_535, 65_536, 65_537, N]) {
    it(`serves the stored hashes of a tree of ${size} leaves, authenticated, fetching each tile once per call`, () => {
      const srv = server(size);
      const reader = tileHashReader({ size, root: tree.rootAt(size) }, srv.fetch);
      const count = storedHashCount(size);
      const indexes = size <= 600 ? range(count) : [...range(count, 1013), count - 1];
      assert.deepEqual(reader.readHashes(indexes).map(hex), tree.readHashes(indexes).map(hex));
      assert.equal(new Set(srv.fetched).size, srv.fetched.length, 'a tile fetched twice in one call');
      for (const x of indexes.slice(0, 300)) assert.equal(hex(reader.readHashes([x])[0]), hex(tree.readHashes([x])[0]), `hash ${x}`);
      assertStamplogError(() => reader.readHashes([count]), 'NOT_FOUND');
    });
  }

  it('lets every proof generator run on tiles: roots of all earlier sizes, inclusion and consistency proofs (Go TestTree)', () => {
    const size = 600;
    const reader = tileHashReader({ size, root: tree.rootAt(size) }, server(size).fetch);
    for (let s = 0; s <= size; s++) assert.equal(hex(treeHash(s, reader)), hex(tree.rootAt(s)), `treeHash(${s})`);
    for (let i = 0; i < size; i += 7) {
      const p = proveInclusion(i, size, reader);
      assert.deepEqual(p.map(hex), tree.proveInclusion(i, size).map(hex));
      verifyInclusion(tree.leafHash(i), i, size, p, tree.rootAt(size));
    }
    for (let m = 1; m <= size; m += 11) {
      assert.deepEqual(proveConsistency(m, size, reader).map(hex), tree.proveConsistency(m, size).map(hex));
    }
  });

  it('detects a tampered hash anywhere: zeroing what any stored hash is computed from fails that read (Go zeroIndex), size 600', () => {
    const size = 600;
    const srv = server(size);
    const all = range(storedHashCount(size));
    for (const x of all) {
      const { tile, start, end } = locateStoredHash(x);
      const tampered = (t: Tile): Uint8Array => {
        const d = srv.fetch(t);
        if (t.level !== tile.level || t.index !== tile.index || d.length < end) return d;
        const copy = d.slice();
        copy.fill(0, start, end);
        return copy;
      };
      const reader = tileHashReader({ size, root: tree.rootAt(size) }, tampered);
      assertStamplogError(() => reader.readHashes([x]), 'PROOF_MISMATCH', `hash ${x}`);
      if (x % 50 === 0) assertStamplogError(() => reader.readHashes(all), 'PROOF_MISMATCH', `all, tampered ${x}`);
    }
  });

  it('detects a tampered hash in each of the three tile levels of a 70,000-leaf tree', () => {
    const srv = server(N);
    for (const [level, n] of [
      [0, 0], [0, 12_345], [0, 69_999], [3, 1000], [8, 0], [8, 200], [8, 272], [12, 5], [16, 0],
    ]) {
      const x = storedHashIndex(level, n);
      const { tile, start, end } = locateStoredHash(x);
      const reader = tileHashReader({ size: N, root: tree.root() }, (t) => {
        const d = srv.fetch(t);
        if (t.level !== tile.level || t.index !== tile.index) return d;
        const copy = d.slice();
        copy[start + ((end - start) >> 1)] ^= 0x40; // one bit in the middle of the range
        return copy;
      });
      assertStamplogError(() => reader.readHashes([x]), 'PROOF_MISMATCH', `(${level}, ${n})`);
    }
  });

  it('rejects tiles that do not reproduce the trusted root with RootMismatchError', () => {
    const root = tree.rootAt(1000).slice();
    root[0] ^= 1;
    const reader = tileHashReader({ size: 1000, root }, server(1000).fetch);
    assert.throws(() => reader.readHashes([0]), RootMismatchError);
  });

  it('accepts a partial tile served as the prefix of the full tile that replaced it', () => {
    const size = 1000;
    const later = server(N); // the tiles of a larger tree: only full tiles at these positions
    const reader = tileHashReader({ size, root: tree.rootAt(size) }, (t) => {
      const full = later.fetch({ ...t, width: 256 });
      return full.subarray(0, t.width * 32);
    });
    assert.deepEqual(reader.readHashes(range(storedHashCount(size))).map(hex), tree.readHashes(range(storedHashCount(size))).map(hex));
  });

  it('rejects tiles of the wrong length (MALFORMED), passes fetch errors through, and checks its arguments', () => {
    const srv = server(600);
    const short = tileHashReader({ size: 600, root: tree.rootAt(600) }, (t) => srv.fetch(t).subarray(32));
    assertStamplogError(() => short.readHashes([0]), 'MALFORMED');
    const boom = new Error('network down');
    const failing = tileHashReader({ size: 600, root: tree.rootAt(600) }, () => {
      throw boom;
    });
    assert.throws(() => failing.readHashes([0]), (e) => e === boom);
    assert.deepEqual(failing.readHashes([]), []);
    const empty = tileHashReader({ size: 0, root: tree.rootAt(0) }, srv.fetch);
    assertStamplogError(() => empty.readHashes([0]), 'NOT_FOUND');
    assertStamplogError(() => tileHashReader({ size: 2 ** 53, root: tree.root() }, srv.fetch), 'MALFORMED');
    assertStamplogError(() => tileHashReader({ size: 5, root: new Uint8Array(31) }, srv.fetch), 'MALFORMED');
    const ok = tileHashReader({ size: 600, root: tree.rootAt(600) }, srv.fetch);
    assertStamplogError(() => ok.readHashes([-1]), 'MALFORMED');
    assertStamplogError(() => ok.readHashes([0.5]), 'MALFORMED');
    assertStamplogError(() => ok.readHashes('0' as unknown as number[]), 'MALFORMED');
  });

  it('keeps its own copy of the trusted root', () => {
    const root = tree.rootAt(600).slice();
    const reader = tileHashReader({ size: 600, root }, server(600).fetch);
    root.fill(0);
    assert.equal(hex(reader.readHashes([0])[0]), hex(tree.leafHash(0)));
  });
});

describe('tileHashReaderAsync', () => {
  it('gives the same hashes as the sync reader, fetching the tiles of one call concurrently and once each', async () => {
    const size = 65_537;
    const srv = server(size);
    let inFlight = 0;
    let maxInFlight = 0;
    const reader = tileHashReaderAsync({ size, root: tree.rootAt(size) }, async (t) => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setImmediate(r));
      inFlight--;
      return srv.fetch(t);
    });
    const indexes = [0, 1, 2, 513, 70_000, storedHashCount(size) - 1, storedHashIndex(8, 3), storedHashIndex(16, 0)];
    assert.deepEqual((await reader.readHashes(indexes)).map(hex), tree.readHashes(indexes).map(hex));
    assert.ok(maxInFlight > 1, 'tiles were fetched one after another');
    assert.equal(new Set(srv.fetched).size, srv.fetched.length);
    const p = await proveInclusionAsync(40_000, size, reader);
    verifyInclusion(tree.leafHash(40_000), 40_000, size, p, tree.rootAt(size));
    await assert.rejects(reader.readHashes([storedHashCount(size)]), (e) => e instanceof StamplogError && e.code === 'NOT_FOUND');
  });
});
