/**
 * What LevelStore asks of the disk (issue 16; a hand mutation showed that no test failed when the LevelDB commit
 * was written without `sync: true`):
 * - every write that reaches LevelDB during a commit carries `sync: true` (spied at classic-level's native
 *   boundary: ChainedBatch#_write and the db's _put, _del and _batch), for commits made directly and through a
 *   TransparencyLog;
 * - at the C library (the fault shim of test/faults in trace mode, in a child process): each commit fdatasyncs
 *   LevelDB's write-ahead log, and each checkpoint is written to `STAMPLOG-CHECKPOINT.tmp`, fsynced after its
 *   last write, renamed over `STAMPLOG-CHECKPOINT`, and the directory is fsynced after the rename.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Level } from 'level';
import { LevelStore } from '../../src/store/level.ts';
import type { CommitBatch } from '../../src/store/types.ts';
import { TransparencyLog } from '../../src/log/log.ts';
import { artifact, logKeys, ORIGIN } from '../log/fixtures.ts';
import { buildShim } from '../faults/harness.ts';

interface NativeWrite {
  what: string;
  sync: unknown;
  /** Made while a LevelStore commit was under way. */
  inCommit: boolean;
}

/** The object on `proto`'s chain that owns `name`. */
function owner(proto: object, name: string): Record<string, unknown> {
  for (let p: object | null = proto; p !== null; p = Object.getPrototypeOf(p) as object | null) {
    if (Object.prototype.hasOwnProperty.call(p, name)) return p as Record<string, unknown>;
  }
  throw new Error(`no ${name} on the prototype chain`);
}

/** LevelStore whose commits are tracked, so native writes can be attributed to them. */
class TrackedLevelStore extends LevelStore {
  commits = 0;
  active = 0;
  override async commit(batch: CommitBatch): Promise<void> {
    this.commits++;
    this.active++;
    try {
      await super.commit(batch);
    } finally {
      this.active--;
    }
  }
}

describe('LevelStore: every commit is a synced write', () => {
  const writes: NativeWrite[] = [];
  const restore: (() => void)[] = [];
  let current: TrackedLevelStore | undefined;
  let dir: string;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'stamplog-sync-'));
    // Find classic-level's classes through a real handle, then spy on their native-facing methods.
    const probe = new Level<string, Uint8Array>(join(dir, 'probe'), { keyEncoding: 'utf8', valueEncoding: 'view' });
    await probe.open();
    const batch = probe.batch();
    const spied: [Record<string, unknown>, string][] = [
      [owner(Object.getPrototypeOf(batch) as object, '_write'), '_write'],
      [owner(Object.getPrototypeOf(probe) as object, '_put'), '_put'],
      [owner(Object.getPrototypeOf(probe) as object, '_del'), '_del'],
      [owner(Object.getPrototypeOf(probe) as object, '_batch'), '_batch'],
    ];
    await batch.close();
    await probe.close();
    for (const [proto, name] of spied) {
      const original = proto[name] as (...args: unknown[]) => unknown;
      // The options argument is the last one of each (_write(options), _put(key, value, options), …).
      proto[name] = function (this: unknown, ...args: unknown[]) {
        const options = args[args.length - 1] as { sync?: unknown } | undefined;
        writes.push({ what: name, sync: options?.sync, inCommit: (current?.active ?? 0) > 0 });
        return original.apply(this, args);
      };
      restore.push(() => {
        proto[name] = original;
      });
    }
  });

  after(async () => {
    for (const r of restore) r();
    await rm(dir, { recursive: true, force: true });
  });

  it('direct commits: each writes LevelDB with sync: true', async () => {
    writes.length = 0;
    const store = (current = new TrackedLevelStore(join(dir, 'direct')));
    await store.open();
    for (let b = 0; b < 4; b++) {
      const leaves = Array.from({ length: 3 }, (_, i) => new Uint8Array(40).fill(b * 3 + i));
      await store.commit({ fromSize: b * 3, leaves, tiles: [], dedup: [{ key: `k${b}`, index: b * 3 }], search: [] });
    }
    await store.close();
    const inCommit = writes.filter((w) => w.inCommit);
    assert.ok(inCommit.length >= 4, `one native write per commit at least (saw ${inCommit.length} for 4 commits)`);
    assert.deepEqual(
      inCommit.filter((w) => w.sync !== true),
      [],
      'every native write of a commit has sync: true',
    );
  });

  it('commits made by a TransparencyLog (single and batch appends): each writes LevelDB with sync: true', async () => {
    writes.length = 0;
    const store = (current = new TrackedLevelStore(join(dir, 'log')));
    await store.open();
    const keys = logKeys();
    const log = await TransparencyLog.open(store, { origin: ORIGIN, logKey: keys.logKey, timestampKey: keys.timestampKey, sequencer: { batchMs: 0 } });
    await log.append([artifact(1, 'sync')]);
    await log.append(Array.from({ length: 50 }, (_, i) => artifact(100 + i, 'sync')));
    await Promise.all(Array.from({ length: 10 }, (_, i) => log.append([artifact(200 + i, 'sync')])));
    await log.close();
    await store.close();
    const inCommit = writes.filter((w) => w.inCommit);
    assert.ok(store.commits >= 3, `the log committed (${store.commits} commits)`);
    assert.ok(inCommit.length >= store.commits, `one native write per commit at least (saw ${inCommit.length} for ${store.commits} commits)`);
    assert.deepEqual(
      inCommit.filter((w) => w.sync !== true),
      [],
      'every native write of a commit has sync: true',
    );
  });
});

describe('LevelStore at the C library: WAL fdatasync per commit; checkpoint fsynced, renamed, directory fsynced', () => {
  const shim = buildShim();
  it('in this order, for every commit and checkpoint', { skip: shim.reason ?? (process.platform !== 'linux' ? 'needs Linux (LD_PRELOAD)' : undefined), timeout: 60_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'stamplog-fsync-'));
    try {
      const db = join(dir, 'db');
      const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./durablewrites-child.ts', import.meta.url)), db], {
        encoding: 'utf8',
        env: { ...process.env, LD_PRELOAD: shim.path, STAMPLOG_FAULT_ROOT: dir, STAMPLOG_FAULT_TRACE: '1', UV_USE_IO_URING: '0' },
        timeout: 50_000,
      });
      assert.equal(child.status, 0, `the child failed:\n${child.stderr}`);
      // Lines: `faultshim: trace <function> <path>[ -> <path>]`, and the child's `child: round N done`.
      const lines = child.stderr.split('\n').filter((l) => l.startsWith('faultshim: trace ') || l.startsWith('child: '));
      const rounds: string[][] = [[]];
      for (const l of lines) {
        if (l.startsWith('child: ')) rounds.push([]);
        else rounds[rounds.length - 1].push(l.slice('faultshim: trace '.length));
      }
      const ckpt = join(db, 'STAMPLOG-CHECKPOINT');
      for (let r = 1; r <= 3; r++) {
        // The calls of round r-1 (0-based) are between the (r-1)th and rth "done" lines: rounds[r-1].
        const calls = rounds[r - 1];
        const where = `round ${r - 1}:\n  ${calls.join('\n  ')}`;
        const walSyncs = calls.filter((c) => /^(fdatasync|fsync) \S+\/db\/\d+\.log$/.test(c));
        assert.ok(walSyncs.length >= 1, `the commit fdatasyncs the write-ahead log (${where})`);
        const rename = calls.findIndex((c) => c === `rename ${ckpt}.tmp -> ${ckpt}` || (c.startsWith('rename') && c.endsWith(` -> ${ckpt}`)));
        assert.ok(rename >= 0, `the checkpoint is renamed into place (${where})`);
        const isWrite = (c: string) => /^(write|pwrite\S*|writev|pwritev\S*) /.test(c) && c.endsWith(`${ckpt}.tmp`);
        const lastWrite = rename - 1 - [...calls.slice(0, rename)].reverse().findIndex(isWrite);
        assert.ok(lastWrite < rename && isWrite(calls[lastWrite] ?? ''), `the checkpoint's temporary file is written before the rename (${where})`);
        const sync = calls.slice(lastWrite + 1, rename).findIndex((c) => /^(fsync|fdatasync) /.test(c) && c.endsWith(`${ckpt}.tmp`));
        assert.ok(sync >= 0, `the checkpoint's temporary file is fsynced after its last write and before the rename (${where})`);
        const dirSync = calls.slice(rename + 1).findIndex((c) => c === `fsync ${db}` || c === `fdatasync ${db}`);
        assert.ok(dirSync >= 0, `the directory is fsynced after the rename (${where})`);
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
