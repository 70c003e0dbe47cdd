import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  HASH_SIZE,
  MemoryTree,
  TILE_WIDTH,
  entryBundlePath,
  fullTileRoot,
  hashFromTile,
  leafHash,
  newTiles,
  parseTilePath,
  storedHashCount,
  storedHashIndex,
  tileData,
  tileDataAsync,
  tileDataFromHashes,
  tileDataIndexes,
  tileForStoredHash,
  tilePath,
  tilesForSize,
  type Tile,
} from '../../src/merkle/index.ts';
import { assertStamplogError, hex } from './reference.ts';

const key = (t: Tile): string => `${t.level}/${t.index}/${t.width}`;

// fc.record may build null-prototype objects; map to plain ones so deepEqual compares like with like.
const tileArb = fc
  .record({
    level: fc.integer({ min: 0, max: 63 }),
    index: fc.oneof(fc.nat({ max: 999 }), fc.nat({ max: 999_999_999 }), fc.nat({ max: Number.MAX_SAFE_INTEGER })),
    width: fc.integer({ min: 1, max: 256 }),
  })
  .map((t): Tile => ({ level: t.level, index: t.index, width: t.width }));

describe('tilePath', () => {
  it('encodes the index in 3-digit groups with "x" before all but the last (tlog-tiles examples)', () => {
    assert.equal(tilePath({ level: 0, index: 1234067, width: 5 }), 'tile/0/x001/x234/067.p/5');
    assert.equal(tilePath({ level: 0, index: 1234067, width: 256 }), 'tile/0/x001/x234/067');
    assert.equal(tilePath({ level: 5, index: 123456078, width: 2 }), 'tile/5/x123/x456/078.p/2');
    assert.equal(tilePath({ level: 1, index: 3057500, width: 256 }), 'tile/1/x003/x057/500');
    assert.equal(tilePath({ level: 63, index: 0, width: 1 }), 'tile/63/000.p/1');
    assert.equal(tilePath({ level: 2, index: 1000, width: 255 }), 'tile/2/x001/000.p/255');
    assert.equal(tilePath({ level: 0, index: 999, width: 256 }), 'tile/0/999');
    assert.equal(tilePath({ level: 0, index: Number.MAX_SAFE_INTEGER, width: 256 }), 'tile/0/x009/x007/x199/x254/x740/991');
  });

  it('rejects invalid tiles with MALFORMED', () => {
    for (const bad of [
      { level: 64, index: 0, width: 1 },
      { level: -1, index: 0, width: 1 },
      { level: 0, index: -1, width: 1 },
      { level: 0, index: 2 ** 53, width: 1 },
      { level: 0, index: 0.5, width: 1 },
      { level: 0, index: 0, width: 0 },
      { level: 0, index: 0, width: 257 },
      { level: 0, index: NaN, width: 1 },
    ]) {
      assertStamplogError(() => tilePath(bad), 'MALFORMED', JSON.stringify(bad));
    }
    assertStamplogError(() => tilePath(null as unknown as Tile), 'MALFORMED');
  });
});

describe('entryBundlePath', () => {
  it('names the bundle of a level-0 tile and refuses other levels', () => {
    assert.equal(entryBundlePath({ level: 0, index: 1234067, width: 256 }), 'tile/entries/x001/x234/067');
    assert.equal(entryBundlePath({ level: 0, index: 5, width: 17 }), 'tile/entries/005.p/17');
    assertStamplogError(() => entryBundlePath({ level: 1, index: 0, width: 1 }), 'MALFORMED');
  });
});

describe('parseTilePath', () => {
  it('round-trips every tile path and entry bundle path (fast-check)', () => {
    fc.assert(
      fc.property(tileArb, (tile) => {
        assert.deepEqual(parseTilePath(tilePath(tile)), { kind: 'hashes', tile });
        const t0 = { ...tile, level: 0 };
        assert.deepEqual(parseTilePath(entryBundlePath(t0)), { kind: 'entries', tile: t0 });
      }),
      { seed: 41, numRuns: 2000 },
    );
  });

  it('parses the tlog-tiles examples', () => {
    assert.deepEqual(parseTilePath('tile/0/x001/x234/067.p/5'), { kind: 'hashes', tile: { level: 0, index: 1234067, width: 5 } });
    assert.deepEqual(parseTilePath('tile/entries/x001/x234/067'), {
      kind: 'entries',
      tile: { level: 0, index: 1234067, width: 256 },
    });
    assert.deepEqual(parseTilePath('tile/63/000.p/255'), { kind: 'hashes', tile: { level: 63, index: 0, width: 255 } });
  });

  const bad = [
    '', 'tile', 'tile/', 'tile/0', 'tile/0/', '/tile/0/000', 'tile/0/000/', 'tile//000', 'tile/0//000',
    'tile/00/000', 'tile/01/000', 'tile/64/000', 'tile/100/000', 'tile/-1/000', 'tile/+1/000', 'tile/1e1/000',
    'tile/0/00', 'tile/0/0', 'tile/0/0000', 'tile/0/x000/001', 'tile/0/x000/x001/002', 'tile/0/x001',
    'tile/0/001/002', 'tile/0/X001/002', 'tile/0/x001/x002', 'tile/0/xx01/002', 'tile/0/x01/002', 'tile/0/-01',
    'tile/0/000.p/0', 'tile/0/000.p/256', 'tile/0/000.p/300', 'tile/0/000.p/007', 'tile/0/000.p/00',
    'tile/0/000.p/', 'tile/0/000.p', 'tile/0/000.P/5', 'tile/0/000.p/5/', 'tile/0/000.p/5.p/5', 'tile/0/000.q/5',
    'tile/0/000p/5', 'tile/0/../000', 'tile/0/./000', 'tile/0/000/..', 'tile/entries/../0/000',
    'tile/entries/0/000', 'tile/entry/000', 'tile/data/000', 'tiles/0/000', 'TILE/0/000', 'tile/0/000\n',
    ' tile/0/000', 'tile/0/000 ', 'tile/0/000?x=1', 'tile/0/000#', 'tile\\0\\000', 'tile/0/１２３',
    'tile/0/x009/x007/x199/x254/x740/992', // 2^53: beyond safe integers
    'tile/0/x999/x999/x999/x999/x999/999',
    'tile/0/x001/x000/x000/x000/x000/x000/000', // 7 groups
    'tile/0/' + 'x001/'.repeat(40) + '000',
  ];
  it(`rejects ${bad.length} non-canonical or malicious paths with MALFORMED`, () => {
    for (const path of bad) assertStamplogError(() => parseTilePath(path), 'MALFORMED', JSON.stringify(path));
    for (const notString of [undefined, null, 5, {}, ['tile/0/000']]) {
      assertStamplogError(() => parseTilePath(notString as unknown as string), 'MALFORMED');
    }
  });

  it('accepts only what tilePath/entryBundlePath produce: random mutations of valid paths either fail or round-trip', () => {
    const alphabet = fc.constantFrom(...'0123456789x/.pentries-+ \\X'.split(''));
    fc.assert(
      fc.property(tileArb, fc.nat(), alphabet, fc.boolean(), (tile, pos, ch, entries) => {
        const valid = entries ? entryBundlePath({ ...tile, level: 0 }) : tilePath(tile);
        const i = pos % (valid.length + 1);
        const mutated = valid.slice(0, i) + ch + valid.slice(i + (pos % 2));
        let parsed;
        try {
          parsed = parseTilePath(mutated);
        } catch {
          return;
        }
        const again = parsed.kind === 'entries' ? entryBundlePath(parsed.tile) : tilePath(parsed.tile);
        assert.equal(again, mutated, 'a parsed path must be canonical');
      }),
      { seed: 42, numRuns: 3000 },
    );
  });
});

describe('newTiles / tilesForSize', () => {
  it('lists the tiles of a 70,000-leaf tree as the tlog-tiles spec describes', () => {
    const tiles = tilesForSize(70_000);
    const full0 = tiles.filter((t) => t.level === 0 && t.width === 256);
    assert.equal(full0.length, 273);
    assert.deepEqual(
      tiles.filter((t) => t.level > 0 || t.width < 256),
      [
        { level: 0, index: 273, width: 112 },
        { level: 1, index: 0, width: 256 },
        { level: 1, index: 1, width: 17 },
        { level: 2, index: 0, width: 1 },
      ],
    );
  });

  it('represents a tree of 256 by a full level-0 tile and a level-1 tile of width 1 (spec example)', () => {
    assert.deepEqual(tilesForSize(256), [
      { level: 0, index: 0, width: 256 },
      { level: 1, index: 0, width: 1 },
    ]);
    assert.deepEqual(tilesForSize(0), []);
    assert.deepEqual(tilesForSize(1), [{ level: 0, index: 0, width: 1 }]);
  });

  it('newTiles(old, new) is exactly tilesForSize(new) minus tilesForSize(old) (fast-check)', () => {
    fc.assert(
      fc.property(fc.nat({ max: 140_000 }), fc.nat({ max: 140_000 }), (a, b) => {
        const [oldSize, newSize] = a <= b ? [a, b] : [b, a];
        const before = new Set(tilesForSize(oldSize).map(key));
        const want = tilesForSize(newSize).filter((t) => !before.has(key(t)));
        assert.deepEqual(newTiles(oldSize, newSize), want);
      }),
      { seed: 43, numRuns: 200 },
    );
    assert.deepEqual(newTiles(1, 1), []);
    assert.deepEqual(newTiles(100, 101), [{ level: 0, index: 0, width: 101 }]);
  });

  it('refuses to list more than maxTiles tiles (TOO_LARGE) and bad sizes (MALFORMED), without allocating', () => {
    assertStamplogError(() => tilesForSize(Number.MAX_SAFE_INTEGER), 'TOO_LARGE');
    assertStamplogError(() => newTiles(0, 2 ** 40), 'TOO_LARGE');
    // 1000 leaves: 3 full level-0 tiles, one of width 232, and a level-1 tile of width 3.
    assertStamplogError(() => newTiles(0, 1000, 4), 'TOO_LARGE');
    assert.equal(newTiles(0, 1000, 5).length, 5);
    assertStamplogError(() => newTiles(5, 4), 'MALFORMED');
    assertStamplogError(() => newTiles(-1, 4), 'MALFORMED');
    assertStamplogError(() => newTiles(0, 2 ** 53), 'MALFORMED');
    // Near the top of the range the work is a handful of levels.
    assert.equal(newTiles(Number.MAX_SAFE_INTEGER - 1, Number.MAX_SAFE_INTEGER).length, 1);
  });
});

describe('tile contents', () => {
  const N = 70_000;
  const tree = new MemoryTree();
  for (let i = 0; i < N; i++) tree.append(new Uint8Array([i & 0xff, (i >> 8) & 0xff, i >> 16, 1]));

  it('tileData of every tile of the tree equals the stored hashes of its level, in order', () => {
    for (const tile of tilesForSize(N)) {
      const data = tileData(tile, tree);
      assert.equal(data.length, tile.width * HASH_SIZE);
      // Spot-check the first, middle and last hash against the stored hash (level 8·L, index N·256 + i).
      for (const i of [0, tile.width >> 1, tile.width - 1]) {
        const want = tree.readHashes([storedHashIndex(8 * tile.level, tile.index * TILE_WIDTH + i)])[0];
        assert.equal(hex(data.subarray(i * 32, i * 32 + 32)), hex(want), `${tilePath(tile)} hash ${i}`);
      }
    }
  });

  it('level-0 tiles hold the leaf hashes and each full tile root is its hash in the level above', () => {
    const t0 = tileData({ level: 0, index: 3, width: 256 }, tree);
    for (let i = 0; i < 256; i++) assert.equal(hex(t0.subarray(i * 32, i * 32 + 32)), hex(tree.leafHash(3 * 256 + i)));
    const t1 = tileData({ level: 1, index: 0, width: 256 }, tree);
    for (const i of [0, 3, 255]) {
      const child = tileData({ level: 0, index: i, width: 256 }, tree);
      assert.equal(hex(fullTileRoot(child)), hex(t1.subarray(i * 32, i * 32 + 32)));
    }
    const t2 = tileData({ level: 2, index: 0, width: 1 }, tree);
    assert.equal(hex(t2), hex(fullTileRoot(t1)));
    assert.equal(hex(t2), hex(tree.rootAt(65_536)));
  });

  it('never writes into the tile data it is given, even a Node Buffer (whose slice is a view)', () => {
    const t1 = tileData({ level: 1, index: 0, width: 256 }, tree);
    const asBuffer = Buffer.from(t1);
    const before = hex(asBuffer);
    const root = hex(fullTileRoot(asBuffer));
    assert.equal(hex(asBuffer), before);
    assert.equal(hex(fullTileRoot(asBuffer)), root);
  });

  it('tileData, tileDataAsync and tileDataFromHashes agree, and partial tiles are prefixes of full ones', async () => {
    const tile = { level: 0, index: 273, width: 112 };
    const sync = tileData(tile, tree);
    const asyncReader = { readHashes: async (i: readonly number[]) => tree.readHashes(i) };
    assert.equal(hex(await tileDataAsync(tile, asyncReader)), hex(sync));
    assert.equal(hex(tileDataFromHashes(tile, tree.readHashes(tileDataIndexes(tile)))), hex(sync));
    const full = tileData({ level: 0, index: 0, width: 256 }, tree);
    assert.equal(hex(tileData({ level: 0, index: 0, width: 17 }, tree)), hex(full.subarray(0, 17 * 32)));
    assertStamplogError(() => tileDataFromHashes(tile, []), 'MALFORMED');
    assertStamplogError(() => tileData({ level: 0, index: 0, width: 1 }, { readHashes: () => [] }), 'INTERNAL');
    assertStamplogError(() => tileDataIndexes({ level: 7, index: 0, width: 1 }), 'MALFORMED');
  });

  it('every stored hash of a growing tree is readable from its tile as soon as it exists (Go TestTree, height 8)', () => {
    // Maintain the tile set incrementally with newTiles and check each new tile extends the old one.
    const t = new MemoryTree();
    const tiles = new Map<string, Uint8Array>();
    const byPosition = new Map<string, Uint8Array>(); // level/index → newest contents
    for (let i = 0; i < 700; i++) {
      const stored = t.storedHashCount;
      t.append(new Uint8Array([i & 0xff, i >> 8]));
      for (const tile of newTiles(i, i + 1)) {
        const data = tileData(tile, t);
        const old = byPosition.get(`${tile.level}/${tile.index}`);
        if (old !== undefined) assert.equal(hex(data.subarray(0, old.length)), hex(old), `${tilePath(tile)} extends`);
        assert.equal(old?.length ?? 0, (tile.width - 1) * 32, `${tilePath(tile)} grows by one hash`);
        tiles.set(key(tile), data);
        byPosition.set(`${tile.level}/${tile.index}`, data);
      }
      for (let x = stored; x < t.storedHashCount; x++) {
        const tile = tileForStoredHash(x);
        const current = byPosition.get(`${tile.level}/${tile.index}`);
        assert.ok(current !== undefined && current.length >= tile.width * 32, `hash ${x} has a tile`);
        const width = current.length / 32;
        assert.equal(hex(hashFromTile({ ...tile, width }, current, x)), hex(t.readHashes([x])[0]), `hash ${x}`);
        // The narrowest tile suffices too.
        assert.equal(hex(hashFromTile(tile, current.subarray(0, tile.width * 32), x)), hex(t.readHashes([x])[0]));
      }
    }
    assert.equal(storedHashCount(700), t.storedHashCount);
  });

  it('reads every stored hash of the 70,000-leaf tree from the tiles of that tree', () => {
    const byPosition = new Map<string, { tile: Tile; data: Uint8Array }>();
    for (const tile of tilesForSize(N)) byPosition.set(`${tile.level}/${tile.index}`, { tile, data: tileData(tile, tree) });
    const all = tree.readHashes(Array.from({ length: tree.storedHashCount }, (_, i) => i));
    for (let x = 0; x < all.length; x += x < 2000 ? 1 : 7) {
      const loc = tileForStoredHash(x);
      const got = byPosition.get(`${loc.level}/${loc.index}`);
      assert.ok(got !== undefined, `hash ${x}`);
      assert.equal(hex(hashFromTile(got.tile, got.data, x)), hex(all[x]), `hash ${x}`);
    }
  });

  it('hashFromTile rejects data of the wrong length and hashes that are not in the tile', () => {
    const tile = { level: 0, index: 0, width: 256 };
    const data = tileData(tile, tree);
    assertStamplogError(() => hashFromTile(tile, data.subarray(1), 0), 'MALFORMED');
    assertStamplogError(() => hashFromTile(tile, data, storedHashIndex(0, 256)), 'MALFORMED');
    assertStamplogError(() => hashFromTile(tile, data, storedHashIndex(8, 0)), 'MALFORMED');
    assertStamplogError(() => hashFromTile({ level: 0, index: 0, width: 3 }, data.subarray(0, 96), storedHashIndex(2, 0)), 'MALFORMED');
    assertStamplogError(() => hashFromTile(tile, data, -1), 'MALFORMED');
    assertStamplogError(() => fullTileRoot(data.subarray(32)), 'MALFORMED');
    assert.equal(hex(hashFromTile(tile, data, storedHashIndex(7, 1))), hex(tree.readHashes([storedHashIndex(7, 1)])[0]));
    assert.equal(hex(hashFromTile(tile, data, storedHashIndex(0, 9))), hex(leafHash(new Uint8Array([9, 0, 0, 1]))));
  });
});
