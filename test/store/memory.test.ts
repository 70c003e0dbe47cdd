import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryStore } from '../../src/store/memory.ts';
import { isStamplogError } from '../../src/base/errors.ts';
import { runStoreConformance } from './conformance.ts';

runStoreConformance('memory', async () => {
  const store = new MemoryStore();
  return { store, reopen: () => store, cleanup: async () => {} };
});

describe('MemoryStore fault hooks', () => {
  const b = { fromSize: 0, leaves: [Uint8Array.of(1)], tiles: [], dedup: [], search: [] };

  it('failCommitWithoutPersisting leaves nothing behind', async () => {
    const s = new MemoryStore();
    await s.open();
    s.faults.failCommitWithoutPersisting = true;
    await assert.rejects(s.commit(b), (e) => isStamplogError(e, 'INTERNAL'));
    assert.equal((await s.readState()).size, 0);
  });

  it('failCommitButPersist persists the batch and still rejects', async () => {
    const s = new MemoryStore();
    await s.open();
    s.faults.failCommitButPersist = true;
    await assert.rejects(s.commit(b), (e) => isStamplogError(e, 'INTERNAL'));
    assert.equal((await s.readState()).size, 1);
  });
});
