import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_ENTRY_SIZE,
  MemoryTree,
  TILE_WIDTH,
  decodeEntryBundle,
  encodeEntryBundle,
  hashEntryBundle,
  leafHash,
  splitEntryBundle,
  tileData,
  tilesForSize,
} from '../../src/merkle/index.ts';
import { StamplogError } from '../../src/base/errors.ts';
import { ascii, assertStamplogError, hex, unhex } from './reference.ts';

const leavesArb = fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 256 });

describe('encodeEntryBundle', () => {
  it('writes big-endian uint16 lengths before each leaf (tlog-tiles)', () => {
    const b = encodeEntryBundle([ascii('hello'), new Uint8Array(0), ascii('x')]);
    assert.equal(hex(b), '000568656c6c6f' + '0000' + '000178');
    const big = encodeEntryBundle([new Uint8Array(0x1234)]);
    assert.equal(hex(big.subarray(0, 2)), '1234');
    assert.equal(big.length, 2 + 0x1234);
  });

  it('accepts a 65,535-byte leaf and 256 leaves, refuses 65,536 bytes (TOO_LARGE), 0 or 257 leaves (MALFORMED)', () => {
    const max = new Uint8Array(MAX_ENTRY_SIZE).fill(7);
    assert.equal(hex(encodeEntryBundle([max]).subarray(0, 2)), 'ffff');
    assert.equal(decodeEntryBundle(encodeEntryBundle([max]))[0].length, MAX_ENTRY_SIZE);
    assertStamplogError(() => encodeEntryBundle([new Uint8Array(MAX_ENTRY_SIZE + 1)]), 'TOO_LARGE');
    assert.equal(decodeEntryBundle(encodeEntryBundle(Array.from({ length: 256 }, () => ascii('e'))), 256).length, 256);
    assertStamplogError(() => encodeEntryBundle([]), 'MALFORMED');
    assertStamplogError(() => encodeEntryBundle(Array.from({ length: 257 }, () => ascii('e'))), 'MALFORMED');
    assertStamplogError(() => encodeEntryBundle(['x'] as unknown as Uint8Array[]), 'MALFORMED');
    assertStamplogError(() => encodeEntryBundle('x' as unknown as Uint8Array[]), 'MALFORMED');
  });
});

describe('decodeEntryBundle', () => {
  it('round-trips any 1..256 leaves, with and without the expected width (fast-check)', () => {
    fc.assert(
      fc.property(leavesArb, (leaves) => {
        const bytes = encodeEntryBundle(leaves);
        assert.deepEqual(decodeEntryBundle(bytes).map(hex), leaves.map(hex));
        assert.deepEqual(decodeEntryBundle(bytes, leaves.length).map(hex), leaves.map(hex));
      }),
      { seed: 51, numRuns: 200 },
    );
  });

  it('rejects every truncation: inside a length or a leaf always, at a leaf boundary when the width is given', () => {
    fc.assert(
      fc.property(leavesArb, fc.nat(), (leaves, cut) => {
        const bytes = encodeEntryBundle(leaves);
        const n = cut % bytes.length; // a proper prefix
        assertStamplogError(() => decodeEntryBundle(bytes.subarray(0, n), leaves.length), 'MALFORMED');
        let boundary = 0;
        const boundaries = new Set([0]);
        for (const l of leaves) boundaries.add((boundary += 2 + l.length));
        if (!boundaries.has(n)) assertStamplogError(() => decodeEntryBundle(bytes.subarray(0, n)), 'MALFORMED');
      }),
      { seed: 52, numRuns: 300 },
    );
  });

  it('rejects trailing bytes: a partial entry always, a whole extra entry when the width is given', () => {
    const bytes = encodeEntryBundle([ascii('a'), ascii('bc')]);
    for (const tail of ['00', '01', '0005616263', 'ff']) {
      const withTail = new Uint8Array([...bytes, ...unhex(tail)]);
      assertStamplogError(() => decodeEntryBundle(withTail), 'MALFORMED', tail);
    }
    const extra = new Uint8Array([...bytes, ...unhex('0000')]); // one more (empty) leaf
    assert.equal(decodeEntryBundle(extra).length, 3);
    assertStamplogError(() => decodeEntryBundle(extra, 2), 'MALFORMED');
  });

  it('rejects empty input, more than 256 leaves, bad widths and non-bytes', () => {
    assertStamplogError(() => decodeEntryBundle(new Uint8Array(0)), 'MALFORMED');
    assertStamplogError(() => decodeEntryBundle(new Uint8Array(257 * 2)), 'MALFORMED'); // 257 empty leaves
    const one = encodeEntryBundle([ascii('a')]);
    for (const w of [0, 257, -1, 1.5, NaN]) assertStamplogError(() => decodeEntryBundle(one, w), 'MALFORMED', String(w));
    assertStamplogError(() => decodeEntryBundle([0, 1, 65] as unknown as Uint8Array), 'MALFORMED');
  });

  it('returns copies that do not alias the input', () => {
    const bytes = encodeEntryBundle([ascii('abc')]);
    const [leaf] = decodeEntryBundle(bytes);
    bytes.fill(0);
    assert.equal(hex(leaf), hex(ascii('abc')));
  });

  it('never throws anything but a StamplogError on random bytes (fast-check)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 600 }), fc.option(fc.integer({ min: -2, max: 300 })), (bytes, width) => {
        try {
          const leaves = decodeEntryBundle(bytes, width ?? undefined);
          assert.equal(hex(encodeEntryBundle(leaves)), hex(bytes), 'a decoded bundle re-encodes to its bytes');
        } catch (e) {
          assert.ok(e instanceof StamplogError, String(e));
        }
      }),
      { seed: 53, numRuns: 2000 },
    );
  });

  it('the leaves of each bundle hash to the hashes of the level-0 tile with the same index and width', () => {
    const leaves = Array.from({ length: 700 }, (_, i) => ascii(`entry ${i}`));
    const tree = new MemoryTree();
    for (const l of leaves) tree.append(l);
    for (const tile of tilesForSize(700).filter((t) => t.level === 0)) {
      const bundle = encodeEntryBundle(leaves.slice(tile.index * 256, tile.index * 256 + tile.width));
      const decoded = decodeEntryBundle(bundle, tile.width);
      const data = tileData(tile, tree);
      decoded.forEach((leaf, i) => assert.equal(hex(leafHash(leaf)), hex(data.subarray(i * 32, i * 32 + 32))));
    }
  });
});

function outcome<T>(f: () => T): T | string {
  try {
    return f();
  } catch (e) {
    return `error ${(e as { code?: string }).code}: ${(e as Error).message}`;
  }
}

/** The leaves of a split bundle, as copies. */
function leavesOf(b: { bytes: Uint8Array; at: Int32Array; count: number }): Uint8Array[] {
  return Array.from({ length: b.count }, (_, i) => new Uint8Array(b.bytes.subarray(b.at[i] + 2, b.at[i + 1])));
}

describe('splitEntryBundle', () => {
  it('property: its offsets give the leaves decodeEntryBundle copies, or it throws the same error, on Buffers too', () => {
    const leaves = fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: TILE_WIDTH });
    const width = fc.option(fc.integer({ min: -1, max: TILE_WIDTH + 1 }), { nil: undefined });
    const damage = fc.oneof(fc.constant('none'), fc.constant('cut'), fc.constant('extend'), fc.constant('flip'));
    fc.assert(
      fc.property(leaves, width, damage, fc.nat(), (ls, w, how, at) => {
        let bytes = Buffer.from(encodeEntryBundle(ls));
        if (how === 'cut') bytes = bytes.subarray(0, at % bytes.length);
        if (how === 'extend') bytes = Buffer.concat([bytes, Buffer.from([at & 255])]);
        if (how === 'flip') {
          bytes = Buffer.from(bytes);
          bytes[at % bytes.length] ^= 0x01;
        }
        const want = outcome(() => decodeEntryBundle(bytes, w).map(hex));
        const got = outcome(() => leavesOf(splitEntryBundle(bytes, w)).map(hex));
        assert.deepEqual(got, want);
      }),
      { seed: 51, numRuns: 800 },
    );
    // Beyond 256 leaves, and the empty bundle.
    const many = Buffer.from(encodeEntryBundle(Array.from({ length: 256 }, () => new Uint8Array(1))));
    const more = Buffer.concat([many, Buffer.from([0, 0])]);
    assert.deepEqual(outcome(() => splitEntryBundle(more)), outcome(() => decodeEntryBundle(more)));
    assert.deepEqual(outcome(() => splitEntryBundle(Buffer.alloc(0))), outcome(() => decodeEntryBundle(Buffer.alloc(0))));
  });
});

describe('hashEntryBundle', () => {
  it('gives the RFC 6962 leaf hashes, and the subtree root of a full bundle', () => {
    for (const n of [1, 7, 255, 256]) {
      const ls = Array.from({ length: n }, (_, i) => new TextEncoder().encode(`leaf ${n}/${i}`));
      const h = hashEntryBundle(splitEntryBundle(Buffer.from(encodeEntryBundle(ls))));
      assert.deepEqual(
        Array.from({ length: n }, (_, i) => hex(h.leafHashes.subarray(32 * i, 32 * i + 32))),
        ls.map((l) => hex(leafHash(l))),
      );
      const tree = new MemoryTree();
      for (const l of ls) tree.append(l);
      if (n === TILE_WIDTH) assert.equal(hex(h.root as Uint8Array), hex(tree.root()));
      else assert.equal(h.root, undefined);
    }
  });
});
