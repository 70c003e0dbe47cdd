/**
 * C2SP tlog-tiles entry bundles (https://c2sp.org/tlog-tiles, "Log entries"): the leaves of one
 * level-0 tile, served at tile/entries/<N>[.p/<W>].
 *
 * Wire format: the concatenation, for each leaf in index order, of its length as a big-endian uint16
 * and its bytes:
 *   00 05 'h' 'e' 'l' 'l' 'o'  00 00  00 01 'x'      (three leaves: "hello", "", "x")
 * So a leaf is at most 65,535 bytes (DESIGN §2) and a bundle holds 1..256 leaves (one per hash of its
 * tile); leaf i of bundle N hashes (RFC 6962 §2.1) to hash i of tile 0/N.
 * Decoding is strict: every byte belongs to exactly one length-prefixed leaf (a cut-off length or leaf
 * is MALFORMED), and given the width the path promises, the leaf count must match exactly, which also
 * rejects whole extra leaves appended at the end. The format cannot grow in place: bigger leaves would
 * need another path (tlog-tiles lets a log serve other encodings at other URLs).
 */
import { StamplogError, malformed } from '../base/errors.ts';
import { checkBytes, checkUint } from './check.ts';
import { TILE_WIDTH } from './tiles.ts';

/** Largest leaf an entry bundle can carry: the uint16 length prefix. */
export const MAX_ENTRY_SIZE = 65_535;

/** Returns the entry bundle holding `leaves` (1..256 of them, each ≤ 65,535 bytes), in order. */
export function encodeEntryBundle(leaves: readonly Uint8Array[]): Uint8Array {
  if (!Array.isArray(leaves)) throw malformed('leaves must be an array');
  if (leaves.length === 0 || leaves.length > TILE_WIDTH) {
    throw malformed('an entry bundle holds 1..256 leaves', { count: leaves.length });
  }
  let total = 0;
  for (let i = 0; i < leaves.length; i++) {
    const leaf: unknown = leaves[i];
    checkBytes(`leaves[${i}]`, leaf);
    if (leaf.length > MAX_ENTRY_SIZE) {
      throw new StamplogError('TOO_LARGE', `leaf ${i} has ${leaf.length} bytes, more than 65,535`);
    }
    total += 2 + leaf.length;
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const leaf of leaves) {
    // tlog-tiles: big-endian uint16 length prefix.
    out[at] = leaf.length >>> 8;
    out[at + 1] = leaf.length & 0xff;
    out.set(leaf, at + 2);
    at += 2 + leaf.length;
  }
  return out;
}

/**
 * Returns the leaves (copies) of the entry bundle `bytes`; if `width` is given the bundle must hold
 * exactly that many. Throws MALFORMED for truncated or trailing bytes, zero or more than 256 leaves.
 */
export function decodeEntryBundle(bytes: Uint8Array, width?: number): Uint8Array[] {
  checkBytes('bytes', bytes);
  if (width !== undefined) {
    checkUint('width', width);
    if (width < 1 || width > TILE_WIDTH) throw malformed('bundle width must be 1..256', { width });
  }
  const leaves: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    if (leaves.length === TILE_WIDTH) throw malformed('entry bundle holds more than 256 leaves');
    if (at + 2 > bytes.length) throw malformed('entry bundle ends inside a length prefix', { offset: at });
    const len = (bytes[at] << 8) | bytes[at + 1];
    const start = at + 2;
    if (start + len > bytes.length) throw malformed('entry bundle ends inside a leaf', { offset: at, length: len });
    leaves.push(bytes.slice(start, start + len));
    at = start + len;
  }
  if (leaves.length === 0) throw malformed('entry bundle is empty');
  if (width !== undefined && leaves.length !== width) {
    throw malformed(`entry bundle holds ${leaves.length} leaves, its path promises ${width}`, {
      count: leaves.length,
      width,
    });
  }
  return leaves;
}
