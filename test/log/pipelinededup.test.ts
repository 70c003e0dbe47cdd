/**
 * Dedup against a batch still in the pipeline (issue 16, found missing by a hand mutation): the sequencer
 * prepares batch k+1 while batch k's commit is still under way (at least PIPELINE_MIN_ENTRIES = 512 queued),
 * and batch k's new entries are then in no store yet, only in the sequencer's in-flight map. Two concurrent
 * appends of the same 600 entries, with batchMax 600 so that they cannot share a batch, must get the same
 * indexes: the first as new entries, the second as duplicates, and the tree must hold 600 leaves, not 1,200.
 *
 * The stores below delay each commit a little (a slow disk), so the second batch is certainly prepared while
 * the first commit is pending; the test checks that this happened (the clock, read once per prepared batch, is
 * read during a pending commit), so it cannot pass by not pipelining at all. A LevelStore without the delay is
 * run too, at its own pace.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TransparencyLog } from '../../src/log/log.ts';
import { LevelStore } from '../../src/store/level.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import type { CommitBatch, LogStore } from '../../src/store/types.ts';
import { artifact, logKeys, ORIGIN } from './fixtures.ts';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
const COUNT = 600;

/** Counts commits under way; each commit waits `delayMs` before it reaches the store. */
interface Pending {
  pending: number;
}

/** `store` with every commit delayed by `delayMs` and a count of commits under way. */
function slowCommits<S extends LogStore>(store: S, delayMs: number): S & Pending {
  const slowed = Object.assign(store, { pending: 0 });
  const commit = store.commit.bind(store);
  slowed.commit = async (batch: CommitBatch) => {
    slowed.pending++;
    try {
      await sleep(delayMs);
      await commit(batch);
    } finally {
      slowed.pending--;
    }
  };
  return slowed;
}

async function twoConcurrentAppends(store: LogStore & Partial<Pending>): Promise<void> {
  await store.open();
  const keys = logKeys();
  let clockReadsDuringCommit = 0;
  const log = await TransparencyLog.open(store, {
    origin: ORIGIN,
    logKey: keys.logKey,
    timestampKey: keys.timestampKey,
    clock: () => {
      if ((store.pending ?? 0) > 0) clockReadsDuringCommit++;
      return 1_700_000_000_000;
    },
    sequencer: { batchMs: 0, batchMax: COUNT },
  });
  try {
    const subs = Array.from({ length: COUNT }, (_, i) => artifact(i, 'pipeline'));
    const [first, second] = await Promise.all([log.append(subs), log.append(subs)]);
    if (store.pending !== undefined) {
      assert.ok(clockReadsDuringCommit > 0, 'the second batch was prepared while the first commit was pending (else this test checks nothing)');
    }
    assert.deepEqual(
      second.map((r) => r.index),
      first.map((r) => r.index),
      'the same submissions got the same indexes',
    );
    assert.ok(first.every((r) => !r.duplicate), 'the first append logged new entries');
    assert.ok(second.every((r) => r.duplicate), 'the second append was answered with duplicates');
    assert.deepEqual(
      [...new Set(first.map((r) => r.index))].sort((a, b) => a - b),
      Array.from({ length: COUNT }, (_, i) => i),
    );
    assert.equal(log.checkpoint.size, COUNT, 'the tree holds each entry once');
  } finally {
    await log.close();
    await store.close();
  }
}

describe('Sequencer: dedup against a batch still in the pipeline', () => {
  it('on the memory store (commits delayed): two concurrent appends of the same 600 entries get the same indexes', async () => {
    await twoConcurrentAppends(slowCommits(new MemoryStore(), 30));
  });

  it('on LevelDB (commits delayed): two concurrent appends of the same 600 entries get the same indexes', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stamplog-pipeline-'));
    try {
      await twoConcurrentAppends(slowCommits(new LevelStore(dir), 30));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('on LevelDB at its own pace: the same', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stamplog-pipeline-'));
    try {
      await twoConcurrentAppends(new LevelStore(dir));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
