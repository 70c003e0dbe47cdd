// Vectors produced by Go's golang.org/x/mod/sumdb/tlog (/work/shared/vectors/sumdb/, see its README and
// the header fields of each file): leaf i is ASCII "leaf-<i>", hashes are lowercase hex, proofs bottom-up.
// Our roots and GENERATED proofs must equal them byte for byte, through every generator we have, and verify.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import {
  EMPTY_ROOT,
  MemoryTree,
  leafHash,
  proveConsistency,
  proveConsistencyAsync,
  proveInclusion,
  proveInclusionAsync,
  rootFromInclusionProof,
  rootsFromConsistencyProof,
  storedHashCount,
  storedHashesForRecord,
  treeHash,
  treeHashAsync,
  verifyConsistency,
  verifyInclusion,
} from '../../src/merkle/index.ts';
import { ArrayReader, ascii, hex, unhex } from './reference.ts';

const DIR = '/work/shared/vectors/sumdb';

interface Header {
  kind: string;
  hash_encoding: string;
  leaf_data: string;
  max: number;
}
interface RootsFile extends Header {
  empty_root: string;
  leaf_hashes: string[];
  roots: { size: number; root: string }[];
}
interface InclusionFile extends Header {
  proof_order: string;
  proofs: { index: number; size: number; leaf: string; leaf_hash: string; root: string; proof: string[] }[];
}
interface ConsistencyFile extends Header {
  proof_order: string;
  proofs: { old: number; new: number; old_root: string; new_root: string; proof: string[] }[];
}

const load = <T>(name: string): T => JSON.parse(readFileSync(`${DIR}/${name}`, 'utf8')) as T;
const roots = load<RootsFile>('roots.json');
const inclusion = load<InclusionFile>('inclusion.json');
const consistency = load<ConsistencyFile>('consistency.json');

// Both ways of building the tree: the MemoryTree, and a plain stored-hash array filled with
// storedHashesForRecord (what a storage driver does), read through the generic proof functions.
const memory = new MemoryTree(1);
const storage = new ArrayReader();
for (let i = 0; i < roots.max; i++) {
  const h = leafHash(ascii(`leaf-${i}`));
  memory.appendLeafHash(h);
  storage.hashes.push(...storedHashesForRecord(i, h, storage));
}
const asyncStorage = { readHashes: async (indexes: readonly number[]) => storage.readHashes(indexes) };

describe('sumdb vectors › file headers', () => {
  it('state the encodings and proof orders these tests assume', () => {
    for (const f of [roots, inclusion, consistency]) {
      assert.match(f.hash_encoding, /^hex \(lowercase, 64 digits\)/);
      assert.match(f.leaf_data, /"leaf-" followed by i in decimal/);
      assert.equal(f.max, 300);
    }
    assert.match(inclusion.proof_order, /sibling of the leaf first/);
    assert.match(consistency.proof_order, /bottom-up/);
    assert.equal(roots.kind, 'roots');
    assert.equal(inclusion.kind, 'inclusion');
    assert.equal(consistency.kind, 'consistency');
  });
});

describe('sumdb vectors › roots.json', () => {
  it('every leaf hash equals leafHash("leaf-<i>")', () => {
    assert.equal(roots.leaf_hashes.length, 300);
    roots.leaf_hashes.forEach((want, i) => assert.equal(hex(leafHash(ascii(`leaf-${i}`))), want, `leaf ${i}`));
  });

  it('the empty root is SHA-256("")', () => {
    assert.equal(hex(EMPTY_ROOT), roots.empty_root);
    assert.equal(hex(memory.rootAt(0)), roots.empty_root);
    assert.equal(hex(treeHash(0, storage)), roots.empty_root);
  });

  it('every root of sizes 1..300 equals MemoryTree.rootAt and treeHash over the stored-hash layout', async () => {
    assert.equal(roots.roots.length, 300);
    for (const { size, root } of roots.roots) {
      assert.equal(hex(memory.rootAt(size)), root, `MemoryTree.rootAt(${size})`);
      assert.equal(hex(treeHash(size, storage)), root, `treeHash(${size})`);
      assert.equal(hex(await treeHashAsync(size, asyncStorage)), root, `treeHashAsync(${size})`);
    }
    assert.equal(hex(memory.root()), roots.roots[299].root);
  });

  it('the stored-hash layout holds exactly storedHashCount(300) hashes, identical to the MemoryTree', () => {
    assert.equal(storage.hashes.length, storedHashCount(300));
    assert.equal(memory.storedHashCount, storedHashCount(300));
    const all = Array.from({ length: storage.hashes.length }, (_, i) => i);
    assert.deepEqual(memory.readHashes(all).map(hex), storage.hashes.map(hex));
  });
});

describe('sumdb vectors › inclusion.json', () => {
  it(`generates all ${inclusion.proofs.length} proofs byte for byte (generic, async and MemoryTree) and verifies them`, async () => {
    assert.ok(inclusion.proofs.length > 700);
    for (const v of inclusion.proofs) {
      const at = `index ${v.index} size ${v.size}`;
      assert.equal(hex(leafHash(ascii(v.leaf))), v.leaf_hash, at);
      assert.deepEqual(proveInclusion(v.index, v.size, storage).map(hex), v.proof, at);
      assert.deepEqual((await proveInclusionAsync(v.index, v.size, asyncStorage)).map(hex), v.proof, at);
      assert.deepEqual(memory.proveInclusion(v.index, v.size).map(hex), v.proof, at);
      const proof = v.proof.map(unhex);
      verifyInclusion(unhex(v.leaf_hash), v.index, v.size, proof, unhex(v.root));
      assert.equal(hex(rootFromInclusionProof(unhex(v.leaf_hash), v.index, v.size, proof)), v.root, at);
    }
  });

  it('reads the stored hashes of a proof in a single readHashes call', () => {
    const before = storage.calls;
    proveInclusion(123, 300, storage);
    assert.equal(storage.calls - before, 1);
  });
});

describe('sumdb vectors › consistency.json', () => {
  it(`generates all ${consistency.proofs.length} proofs byte for byte (generic, async and MemoryTree) and verifies them`, async () => {
    assert.ok(consistency.proofs.length > 700);
    for (const v of consistency.proofs) {
      const at = `${v.old} → ${v.new}`;
      assert.deepEqual(proveConsistency(v.old, v.new, storage).map(hex), v.proof, at);
      assert.deepEqual((await proveConsistencyAsync(v.old, v.new, asyncStorage)).map(hex), v.proof, at);
      assert.deepEqual(memory.proveConsistency(v.old, v.new).map(hex), v.proof, at);
      const proof = v.proof.map(unhex);
      verifyConsistency(v.old, v.new, proof, unhex(v.old_root), unhex(v.new_root));
      const r = rootsFromConsistencyProof(v.old, v.new, proof, unhex(v.old_root));
      assert.equal(hex(r.root1), v.old_root, at);
      assert.equal(hex(r.root2), v.new_root, at);
    }
  });

  it('the consistency proof from the empty tree is empty and verifies against SHA-256("")', () => {
    assert.deepEqual(proveConsistency(0, 300, storage), []);
    verifyConsistency(0, 300, [], unhex(roots.empty_root), unhex(roots.roots[299].root));
  });
});
