import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  MAX_ENTRY_SIZE,
  MemoryTree,
  decodeEntryBundle,
  encodeEntryBundle,
  leafHash,
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
