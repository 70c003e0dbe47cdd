import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LevelStore } from '../../src/store/level.ts';
import { isStamplogError } from '../../src/errors.ts';
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
});
