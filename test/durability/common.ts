/**
 * Small helpers shared by the durability tests and scripts/soak.ts: a seeded RNG (every "random" moment in
 * these tests is reproducible from its seed), unique submissions, deterministic log keys, an in-process log
 * over a MemoryStore, and a store wrapper that tampers with a batch on its way into the store.
 */
import { sha256 } from '../../src/crypto/sha256.ts';
import { TransparencyLog } from '../../src/log/log.ts';
import type { LogConfig } from '../../src/log/log.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import type { CommitBatch, LogStore, SearchField, SearchRow, StoredState } from '../../src/store/types.ts';
import { generateSignerKey, SIGNATURE_TYPE_COSIGNATURE_V1, SIGNATURE_TYPE_ED25519 } from '../../src/note/keys.ts';
import { parseSubmission, toHex } from '../../src/leaf/index.ts';
import type { Submission, SubmissionJSON } from '../../src/leaf/types.ts';

export { seededRandom } from '../helpers/crypto.ts';

/** An integer in [lo, hi] drawn from `rnd`. */
export function randomInt(rnd: () => number, lo: number, hi: number): number {
  return lo + Math.floor(rnd() * (hi - lo + 1));
}

/** The wire JSON of a unique artifact submission named by (tag, n). */
export function submissionJSON(tag: string, n: number): SubmissionJSON {
  const filename = `pkg_${tag}-${n}.tar.gz`;
  return {
    kind: 'artifact',
    subject: { project: `pkg-${tag}`, version: `1.${n}`, filename, sha256: toHex(sha256(new TextEncoder().encode(filename))), size: 1000 + n },
  };
}

export function submission(tag: string, n: number): Submission {
  return parseSubmission(submissionJSON(tag, n));
}

export const ORIGIN = 'example.test/log';

/** Deterministic log and timestamp keys for `origin`. */
export function testKeys(origin = ORIGIN): { logKey: string; timestampKey: string; logVerifierKey: string; timestampVerifierKey: string } {
  const l = generateSignerKey(origin, new Uint8Array(32).fill(7), SIGNATURE_TYPE_ED25519);
  const t = generateSignerKey(`${origin}/timestamp`, new Uint8Array(32).fill(9), SIGNATURE_TYPE_COSIGNATURE_V1);
  return { logKey: l.signerKey, timestampKey: t.signerKey, logVerifierKey: l.verifierKey, timestampVerifierKey: t.verifierKey };
}

/** Opens (or re-opens, after `store.close()`) a log over `store` with test keys. */
export async function openTestLog(store: LogStore, config: Partial<LogConfig> = {}): Promise<TransparencyLog> {
  await store.open();
  const keys = testKeys(config.origin ?? ORIGIN);
  return TransparencyLog.open(store, { origin: ORIGIN, logKey: keys.logKey, timestampKey: keys.timestampKey, ...config });
}

/** Flips bit 0 of byte `at` of a copy of `bytes`. */
export function flipped(bytes: Uint8Array, at = 0): Uint8Array {
  const out = bytes.slice();
  out[at] ^= 1;
  return out;
}

/**
 * A LogStore over a MemoryStore whose next commit can be tampered with on its way in (`tamperNext`), as a bad
 * disk, controller or DMA would: the sequencer believes it wrote one thing and the store holds another.
 */
export class TamperingStore implements LogStore {
  readonly inner = new MemoryStore();
  /** Rewrites the next committed batch (then clears itself). */
  tamperNext: ((batch: CommitBatch) => CommitBatch) | undefined;
  /** Runs right after the next commit reached the inner store (then clears itself). */
  afterNextCommit: ((inner: MemoryStore, batch: CommitBatch) => void) | undefined;

  open(): Promise<void> {
    return this.inner.open();
  }
  readState(): Promise<StoredState> {
    return this.inner.readState();
  }
  async commit(batch: CommitBatch): Promise<void> {
    const tamper = this.tamperNext;
    this.tamperNext = undefined;
    const written = tamper ? tamper(batch) : batch;
    await this.inner.commit(written);
    const after = this.afterNextCommit;
    this.afterNextCommit = undefined;
    after?.(this.inner, batch);
  }
  putCheckpoint(size: number, note: string): Promise<void> {
    return this.inner.putCheckpoint(size, note);
  }
  readLeaves(start: number, count: number): Promise<Uint8Array[]> {
    return this.inner.readLeaves(start, count);
  }
  readTile(level: number, index: number): Promise<Uint8Array | undefined> {
    return this.inner.readTile(level, index);
  }
  lookupDedup(keys: readonly string[]): Promise<(number | undefined)[]> {
    return this.inner.lookupDedup(keys);
  }
  forEachDedupKey(each: (key: string) => void): Promise<void> {
    return this.inner.forEachDedupKey(each);
  }
  search(field: SearchField, key: string, after: number, limit: number): Promise<number[]> {
    return this.inner.search(field, key, after, limit);
  }
  readSearchFormat(): Promise<number> {
    return this.inner.readSearchFormat();
  }
  addSearchRows(rows: readonly SearchRow[], format?: number): Promise<void> {
    return this.inner.addSearchRows(rows, format);
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}
