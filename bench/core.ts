/**
 * Core benchmarks (issue 2): the in-memory tree, inclusion proofs at 1,000,000 leaves, checkpoint signing and
 * verification. Everything here is the real code path: leaf hashing, tree updates, proof generation from the
 * stored hashes, RFC 9162 verification, Ed25519 signatures over C2SP checkpoint notes.
 */
import { randomBytes } from 'node:crypto';
import { MemoryTree } from '../src/merkle/memory.ts';
import { verifyInclusion } from '../src/merkle/verify.ts';
import { ed25519NoteSigner, ed25519NoteVerifier, generateSignerKey } from '../src/note/keys.ts';
import { openCheckpoint, signCheckpoint } from '../src/note/checkpoint.ts';
import { measure, report, type Rate } from './harness.ts';

const LEAVES = 1_000_000;

export function runCoreBenchmarks(): Rate[] {
  const results: Rate[] = [];
  const leafData = Array.from({ length: LEAVES }, (_, i) => new TextEncoder().encode(`leaf-${i}-${'x'.repeat(100)}`));

  // Tree appends: leaf hash (SHA-256 of 0x00 || ~110-byte leaf) + tree update, a fresh tree each round.
  let tree = new MemoryTree();
  results.push(
    measure('tree appends, in memory (leaf hash + tree update)', LEAVES, () => {
      tree = new MemoryTree();
      for (const d of leafData) tree.append(d);
      tree.root();
    }, { unit: 'leaves/s' }),
  );

  const size = tree.size;
  const root = tree.root();
  const PROOFS = 200_000;
  const indexes = Array.from({ length: PROOFS }, (_, i) => (i * 7919) % size);
  let proofs: Uint8Array[][] = [];
  results.push(
    measure(`inclusion proofs generated (tree of ${size.toLocaleString('en-US')})`, PROOFS, () => {
      proofs = indexes.map((i) => tree.proveInclusion(i, size));
    }),
  );
  const leafHashes = indexes.map((i) => tree.leafHash(i));
  results.push(
    measure(`inclusion proofs verified (tree of ${size.toLocaleString('en-US')})`, PROOFS, () => {
      for (let k = 0; k < PROOFS; k++) verifyInclusion(leafHashes[k], indexes[k], size, proofs[k], root);
    }),
  );

  const { signerKey, verifierKey } = generateSignerKey('bench.example/log', randomBytes(32));
  const signer = ed25519NoteSigner(signerKey);
  const verifier = ed25519NoteVerifier(verifierKey);
  const SIGS = 20_000;
  let notes: string[] = [];
  results.push(
    measure('checkpoint signatures (C2SP note, Ed25519)', SIGS, () => {
      notes = [];
      for (let i = 0; i < SIGS; i++) notes.push(signCheckpoint({ origin: 'bench.example/log', size: size + i, rootHash: root }, [signer]));
    }),
  );
  results.push(
    measure('checkpoint verifications (parse + Ed25519 verify)', SIGS, () => {
      for (const n of notes) openCheckpoint(n, verifier);
    }),
  );
  return results;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const r of runCoreBenchmarks()) report(r);
}
