/**
 * One conformance suite for every LogStore driver (STYLE §9): each driver's test file calls
 * `runStoreConformance(name, makeStore)`, where makeStore returns a fresh, unopened store and a way to get
 * a second handle on the same underlying data (a restart).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { isStamplogError } from '../../src/base/errors.ts';
import type { CommitBatch, LogStore } from '../../src/store/types.ts';

export interface StoreFixture {
  store: LogStore;
  /** A new handle on the same data, as after a process restart (the old handle must be closed first). */
  reopen(): LogStore;
  cleanup(): Promise<void>;
}

const bytes = (...xs: number[]) => Uint8Array.from(xs);

function batch(fromSize: number, count: number): CommitBatch {
  const leaves = Array.from({ length: count }, (_, i) => bytes(fromSize + i, 1, 2, 3));
  return {
    fromSize,
    leaves,
    tiles: [{ level: 0, index: 0, data: new Uint8Array(32 * Math.min(256, fromSize + count)).fill(fromSize + count) }],
    dedup: leaves.map((_, i) => ({ key: `k${fromSize + i}`, index: fromSize + i })),
    search: leaves.map((_, i) => ({ field: 'filename' as const, key: `f${(fromSize + i) % 3}`, index: fromSize + i })),
  };
}

export function runStoreConformance(name: string, make: () => Promise<StoreFixture>): void {
  describe(`LogStore conformance: ${name}`, () => {
    it('starts empty: size 0, no checkpoint', async () => {
      const f = await make();
      await f.store.open();
      assert.deepEqual(await f.store.readState(), { size: 0, checkpoint: null });
      await f.store.close();
      await f.cleanup();
    });

    it('commits batches, reads leaves, tiles, dedup rows and search rows back', async () => {
      const f = await make();
      const s = f.store;
      await s.open();
      await s.commit(batch(0, 5));
      await s.commit(batch(5, 3));
      assert.equal((await s.readState()).size, 8);
      const leaves = await s.readLeaves(2, 4);
      assert.deepEqual(leaves.map((l) => l[0]), [2, 3, 4, 5]);
      assert.deepEqual(await s.readLeaves(0, 0), []);
      const tile = await s.readTile(0, 0);
      assert.equal(tile?.length, 32 * 8);
      assert.equal(tile?.[0], 8);
      assert.equal(await s.readTile(1, 0), undefined);
      assert.deepEqual(await s.lookupDedup(['k0', 'k7', 'nope']), [0, 7, undefined]);
      const dedupKeys: string[] = [];
      await s.forEachDedupKey((k) => dedupKeys.push(k));
      assert.deepEqual(dedupKeys.sort(), ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6', 'k7']);
      assert.deepEqual(await s.search('filename', 'f1', -1, 10), [1, 4, 7]);
      assert.deepEqual(await s.search('filename', 'f1', 1, 10), [4, 7]);
      assert.deepEqual(await s.search('filename', 'f1', -1, 2), [1, 4]);
      assert.deepEqual(await s.search('filename', 'f', -1, 10), [], 'a key is never a prefix match for another');
      assert.deepEqual(await s.search('sha256', 'f1', -1, 10), []);
      await s.close();
      await f.cleanup();
    });

    it('refuses a batch whose fromSize is not the committed size, writing nothing', async () => {
      const f = await make();
      await f.store.open();
      await f.store.commit(batch(0, 2));
      await assert.rejects(f.store.commit(batch(1, 2)), (e) => isStamplogError(e, 'CONFLICT'));
      await assert.rejects(f.store.commit(batch(3, 2)), (e) => isStamplogError(e, 'CONFLICT'));
      assert.equal((await f.store.readState()).size, 2);
      assert.deepEqual(await f.store.lookupDedup(['k3']), [undefined]);
      await f.store.close();
      await f.cleanup();
    });

    it('serialises concurrent commits: exactly one of two racing batches from the same size wins', async () => {
      const f = await make();
      await f.store.open();
      const results = await Promise.allSettled([f.store.commit(batch(0, 2)), f.store.commit(batch(0, 3))]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      const size = (await f.store.readState()).size;
      assert.ok(size === 2 || size === 3);
      await f.store.close();
      await f.cleanup();
    });

    it('keeps the checkpoint, refuses one above the committed size', async () => {
      const f = await make();
      await f.store.open();
      await f.store.commit(batch(0, 4));
      await f.store.putCheckpoint(4, 'note\n');
      await assert.rejects(f.store.putCheckpoint(5, 'x\n'), (e) => isStamplogError(e, 'CONFLICT'));
      assert.deepEqual(await f.store.readState(), { size: 4, checkpoint: 'note\n' });
      await f.store.close();
      await f.cleanup();
    });

    it('survives a restart with everything committed', async () => {
      const f = await make();
      await f.store.open();
      await f.store.commit(batch(0, 300));
      await f.store.putCheckpoint(300, 'cp\n');
      await f.store.close();
      const again = f.reopen();
      await again.open();
      assert.deepEqual(await again.readState(), { size: 300, checkpoint: 'cp\n' });
      assert.equal((await again.readLeaves(299, 1))[0][0], 299 & 0xff);
      assert.deepEqual(await again.lookupDedup(['k299']), [299]);
      await again.close();
      await f.cleanup();
    });

    it('adds search rows and records their format durably; format 0 when none was recorded', async () => {
      const f = await make();
      await f.store.open();
      await f.store.commit(batch(0, 3));
      assert.equal(await f.store.readSearchFormat(), 0);
      await f.store.addSearchRows([{ field: 'project', key: 'p', index: 2 }, { field: 'project', key: 'p', index: 0 }]);
      assert.equal(await f.store.readSearchFormat(), 0, 'rows alone do not record a format');
      await f.store.addSearchRows([{ field: 'project', key: 'p', index: 0 }], 7);
      await f.store.close();
      const again = f.reopen();
      await again.open();
      assert.equal(await again.readSearchFormat(), 7);
      assert.deepEqual(await again.search('project', 'p', -1, 10), [0, 2]);
      assert.deepEqual(await again.search('filename', 'f0', -1, 10), [0], 'committed rows are untouched');
      await again.close();
      await f.cleanup();
    });

    it('reports reading leaves beyond the committed size as NOT_FOUND', async () => {
      const f = await make();
      await f.store.open();
      await f.store.commit(batch(0, 2));
      await assert.rejects(f.store.readLeaves(1, 5), (e) => isStamplogError(e, 'NOT_FOUND'));
      await f.store.close();
      await f.cleanup();
    });
  });
}
