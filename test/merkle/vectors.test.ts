// The transparency-dev/merkle proof vectors in /work/shared/vectors/merkle/ (see its README): every file
// is one `it`, named after its path; valid cases verify, every `wantErr` case throws a StamplogError.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { StamplogError } from '../../src/base/errors.ts';
import {
  MemoryTree,
  rootFromInclusionProof,
  rootsFromConsistencyProof,
  verifyConsistency,
  verifyInclusion,
} from '../../src/merkle/index.ts';
import { hex, unb64, unhex } from './reference.ts';

const ROOT = '/work/shared/vectors/merkle';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

interface InclusionCase {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

interface ConsistencyCase {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

function load<T>(path: string): T {
  // JSON.parse turns 18446744073709551615 (uint64 −1 in the vectors) into 2^64, a non-safe number: MALFORMED.
  return JSON.parse(readFileSync(path, 'utf8')) as T;
}

function rejects(fn: () => void): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof StamplogError, `expected a StamplogError, got ${String(e)}`);
    assert.ok(e.code === 'MALFORMED' || e.code === 'PROOF_MISMATCH', `unexpected code ${e.code}`);
    return true;
  });
}

const inclusionFiles = files(join(ROOT, 'inclusion'));
const consistencyFiles = files(join(ROOT, 'consistency'));

describe('verifyInclusion › transparency-dev vectors', () => {
  it('has the vector files', () => assert.ok(inclusionFiles.length >= 90, `${inclusionFiles.length} files`));
  for (const path of inclusionFiles) {
    it(relative(ROOT, path), () => {
      const c = load<InclusionCase>(path);
      const proof = (c.proof ?? []).map(unb64);
      const run = (): void => verifyInclusion(unb64(c.leafHash), c.leafIdx, c.treeSize, proof, unb64(c.root));
      if (c.wantErr) {
        rejects(run);
      } else {
        run();
        assert.equal(hex(rootFromInclusionProof(unb64(c.leafHash), c.leafIdx, c.treeSize, proof)), hex(unb64(c.root)));
      }
    });
  }
});

describe('verifyConsistency › transparency-dev vectors', () => {
  it('has the vector files', () => assert.ok(consistencyFiles.length >= 90, `${consistencyFiles.length} files`));
  for (const path of consistencyFiles) {
    it(relative(ROOT, path), () => {
      const c = load<ConsistencyCase>(path);
      const proof = (c.proof ?? []).map(unb64);
      const run = (): void => verifyConsistency(c.size1, c.size2, proof, unb64(c.root1), unb64(c.root2));
      if (c.wantErr) {
        rejects(run);
      } else {
        run();
        if (c.size1 > 0) {
          const roots = rootsFromConsistencyProof(c.size1, c.size2, proof, unb64(c.root1));
          assert.equal(hex(roots.root1), hex(unb64(c.root1)));
          assert.equal(hex(roots.root2), hex(unb64(c.root2)));
        }
      }
    });
  }
});

describe('MemoryTree › transparency-dev vectors', () => {
  // The 8 leaves of transparency-dev's proof/verify_test.go, whose tree the happy-path vectors prove.
  const leaves = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'];
  const tree = new MemoryTree();
  for (const l of leaves) tree.append(unhex(l));

  it('generates every happy-path inclusion proof byte for byte', () => {
    let n = 0;
    for (const path of inclusionFiles.filter((p) => p.endsWith('happy-path.json'))) {
      const c = load<InclusionCase>(path);
      assert.equal(hex(tree.rootAt(c.treeSize)), hex(unb64(c.root)), path);
      assert.deepEqual(tree.proveInclusion(c.leafIdx, c.treeSize).map(hex), (c.proof ?? []).map((p) => hex(unb64(p))), path);
      n++;
    }
    assert.equal(n, 5);
  });

  it('generates every happy-path consistency proof byte for byte', () => {
    let n = 0;
    for (const path of consistencyFiles.filter((p) => p.endsWith('happy-path.json'))) {
      const c = load<ConsistencyCase>(path);
      assert.equal(hex(tree.rootAt(c.size1)), hex(unb64(c.root1)), path);
      assert.equal(hex(tree.rootAt(c.size2)), hex(unb64(c.root2)), path);
      assert.deepEqual(tree.proveConsistency(c.size1, c.size2).map(hex), (c.proof ?? []).map((p) => hex(unb64(p))), path);
      n++;
    }
    assert.equal(n, 5);
  });
});
