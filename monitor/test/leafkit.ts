// Leaf helpers for monitor tests (re-exports of src/leaf plus the public key of a seed).
import { makeEntry, signStatement } from '../../src/leaf/index.ts';
import type { Entry } from '../../src/leaf/index.ts';
import { makeSubmissionValue } from '../../test/helpers/server.ts';
export { encodeLeaf, makeEntry, signStatement } from '../../src/leaf/index.ts';

/** The Ed25519 public key of `seed` (as signStatement puts it in `sig.key`). */
export function ed25519PublicKeyForTest(seed: Uint8Array): Uint8Array {
  return signStatement(seed, { kind: 'artifact', subject: { project: 'p', version: '1', filename: 'f', sha256: new Uint8Array(32), size: 1 } }).key;
}


/** Entry number `i` of the server test helper's submissions, sequenced at `time`. */
export function makeSubmissionValueForTest(i: number, time: number): Entry {
  return makeEntry(makeSubmissionValue(i), time);
}
