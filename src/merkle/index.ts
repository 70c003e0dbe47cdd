/**
 * src/merkle: RFC 6962 / RFC 9162 Merkle tree maths and C2SP tlog-tiles maths, pure (no I/O, no clock).
 * This file is the module's only public surface; the other files are its implementation.
 *
 *   hash.ts        leaf/node hashing, EMPTY_ROOT               RFC 6962 §2.1, RFC 9162 §2.1.1
 *   stored.ts      stored-hash layout, HashReader, appends     Go sumdb/tlog layout
 *   tree.ts        roots of any size; CompactRange             RFC 9162 §2.1.1
 *   prove.ts       inclusion / consistency proof generation    RFC 9162 §2.1.3.1, §2.1.4.1
 *   verify.ts      inclusion / consistency proof verification  RFC 9162 §2.1.3.2, §2.1.4.2
 *   memory.ts      MemoryTree, a fast in-memory tree
 *   tiles.ts       tile paths, tile sets, tile contents        C2SP tlog-tiles
 *   tilereader.ts  HashReader over untrusted tiles              C2SP tlog-tiles
 *   bundle.ts      entry bundle codec                          C2SP tlog-tiles
 */
export { EMPTY_ROOT, HASH_SIZE, emptyRoot, hashEqual, isEmptyRoot, leafHash, nodeHash, nodeHashInto, type Hash } from './hash.ts';
export { MAX_TREE_SIZE } from './check.ts';
export {
  splitStoredHashIndex,
  storedHashCount,
  storedHashIndex,
  storedHashesForRecord,
  storedHashesForRecordAsync,
  storedHashesForRecordFromHashes,
  storedHashesForRecordIndexes,
  type AsyncHashReader,
  type HashReader,
} from './stored.ts';
export { CompactRange, treeHash, treeHashAsync, treeHashFromHashes, treeHashIndexes, treeHashNodes } from './tree.ts';
export {
  consistencyProofFromHashes,
  consistencyProofIndexes,
  inclusionProofEntries,
  inclusionProofFromHashes,
  inclusionProofIndexes,
  proveConsistency,
  proveConsistencyAsync,
  proveInclusion,
  proveInclusionAsync,
} from './prove.ts';
export {
  MAX_PROOF_HASHES,
  rootFromInclusionProof,
  rootsFromConsistencyProof,
  verifyConsistency,
  verifyInclusion,
} from './verify.ts';
export { MemoryTree } from './memory.ts';
export {
  multiInclusionProofFromHashes,
  multiInclusionProofIndexes,
  multiInclusionProofRanges,
  proveMultiInclusion,
  rootFromMultiInclusionProof,
  verifyMultiInclusion,
  type LeafRange,
} from './multiproof.ts';
export {
  MAX_TILES_PER_CALL,
  MAX_TILE_LEVEL,
  TILE_HEIGHT,
  TILE_WIDTH,
  checkTile,
  entryBundlePath,
  fullTileRoot,
  hashFromTile,
  locateStoredHash,
  newTiles,
  parseTilePath,
  tileData,
  tileDataAsync,
  tileDataFromHashes,
  tileDataIndexes,
  tileForStoredHash,
  tilePath,
  tilesForSize,
  type HashLocation,
  type ParsedTilePath,
  type Tile,
} from './tiles.ts';
export {
  tileHashReader,
  tileHashReaderAsync,
  type AsyncTileFetcher,
  type TileFetcher,
  type TreeHead,
} from './tilereader.ts';
export {
  MAX_ENTRY_SIZE,
  decodeEntryBundle,
  encodeEntryBundle,
  hashEntryBundle,
  splitEntryBundle,
  type HashedBundle,
  type SplitBundle,
} from './bundle.ts';
export { leafHashInto } from './nodehash.ts';
