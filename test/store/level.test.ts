import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Level } from 'level';
import { LevelStore } from '../../src/store/level.ts';
import { leafKey } from '../../src/store/keys.ts';
import { isStamplogError } from '../../src/base/errors.ts';
import { runStoreConformance } from './conformance.ts';

runStoreConformance('level', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'stamplog-store-'));
  return {
    store: new LevelStore(dir),
    reopen: () => new LevelStore(dir),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('LevelStore', () => {
  it('refuses a second handle on a directory that is in use (CONFLICT)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stamplog-store-'));
    const a = new LevelStore(dir);
    await a.open();
    await assert.rejects(new LevelStore(dir).open(), (e) => isStamplogError(e, 'CONFLICT') && /in use/.test(e.message));
    await a.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('reads long leaf ranges in order, and names the first leaf missing from a range', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stamplog-store-'));
    const s = new LevelStore(dir);
    await s.open();
    const big = (i: number) => new Uint8Array(3000).fill(i & 0xff); // 5,000 × 3 KB: several 4 MiB chunks
    for (let from = 0; from < 5000; from += 1000) {
      const leaves = Array.from({ length: 1000 }, (_, i) => big(from + i));
      await s.commit({ fromSize: from, leaves, tiles: [], dedup: [], search: [] });
    }
    const all = await s.readLeaves(0, 5000);
    assert.equal(all.length, 5000);
    assert.ok(all.every((l, i) => l.length === 3000 && l[0] === (i & 0xff)));
    assert.deepEqual((await s.readLeaves(4998, 2)).map((l) => l[0]), [4998 & 0xff, 4999 & 0xff]);
    await s.close();
    // Remove leaf 1234 behind the store's back.
    const raw = new Level<string, Uint8Array>(dir, { keyEncoding: 'utf8', valueEncoding: 'view' });
    await raw.open();
    await raw.del(leafKey(1234));
    await raw.close();
    const again = new LevelStore(dir);
    await again.open();
    await assert.rejects(again.readLeaves(1000, 1000), (e) => isStamplogError(e, 'NOT_FOUND') && /leaf 1234 is missing/.test(e.message));
    await assert.rejects(again.readLeaves(4999, 2), (e) => isStamplogError(e, 'NOT_FOUND') && /leaf 5000 is missing/.test(e.message));
    assert.equal((await again.readLeaves(1235, 10)).length, 10);
    await again.close();
    await rm(dir, { recursive: true, force: true });
  });
});
