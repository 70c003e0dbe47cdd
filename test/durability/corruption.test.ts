/**
 * Verify before sign (DESIGN §4 steps 4 and 6; the CT log lost to one flipped bit). In process, a store that
 * tampers with a batch on its way in must make the sequencer refuse to sign: the append fails with CORRUPTION,
 * the log reports the failure and refuses every later write, and nothing new is signed or persisted as a
 * checkpoint. At start-up, a flipped byte in a stored leaf or tile refuses to open, naming what did not match.
 * With the real server on LevelDB: rows rewritten with a flipped byte (key layout of src/store/keys.ts) make
 * `stamplog serve` exit non-zero naming the leaf or tile; raw byte flips in LevelDB's own files either refuse
 * to start with a clear message or start with a tree that verifies and lost nothing; a second process on the
 * same data directory is refused.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { Level } from 'level';
import { isStamplogError } from '../../src/base/errors.ts';
import type { StamplogError } from '../../src/base/errors.ts';
import type { TransparencyLog } from '../../src/log/log.ts';
import type { CommitBatch } from '../../src/store/types.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { SIZE_KEY, leafKey, tileKey } from '../../src/store/keys.ts';
import { CHECKPOINT_FILE } from '../../src/store/level.ts';
import type { SubmissionJSON } from '../../src/leaf/types.ts';
import { appendBatch, appendOne, makeSubmission, removeDir, startServer, tempDir } from '../helpers/server.ts';
import type { RunningServer } from '../helpers/server.ts';
import { CrashObserver } from './crashcheck.ts';
import { createApp } from '../../src/http/app.ts';
import { parseToken } from '../../src/http/auth.ts';
import { TamperingStore, flipped, openTestLog, seededRandom, submission, submissionJSON } from './common.ts';

const isCorruption = (e: unknown): e is StamplogError => isStamplogError(e, 'CORRUPTION');

/** Appends `count` unique entries (tag, from..from+count-1) in one request. */
function append(log: TransparencyLog, tag: string, from: number, count: number) {
  return log.append(Array.from({ length: count }, (_, i) => submission(tag, from + i)));
}

/** Replaces tile (level, index) of `batch` by `f(data)`; fails the test if the batch does not write it. */
function withTile(batch: CommitBatch, level: number, index: number, f: (data: Uint8Array) => Uint8Array): CommitBatch {
  const at = batch.tiles.findIndex((t) => t.level === level && t.index === index);
  assert.ok(at >= 0, `the batch writes tile ${level}/${index} (it writes ${batch.tiles.map((t) => `${t.level}/${t.index}`).join(', ')})`);
  const tiles = batch.tiles.map((t, i) => (i === at ? { ...t, data: f(t.data) } : t));
  return { ...batch, tiles };
}

/**
 * Builds a log of `before` entries, tampers with the next batch of `count` entries via `tamper`, and checks
 * that the sequencer refused to sign: CORRUPTION for the append and every later one, no new checkpoint.
 */
async function expectRefusal(
  before: number,
  count: number,
  tamper: (store: TamperingStore) => void,
  message: RegExp,
): Promise<void> {
  const store = new TamperingStore();
  const log = await openTestLog(store, { sequencer: { batchMs: 0 } });
  if (before > 0) await append(log, 'before', 0, before);
  const signed = log.checkpoint;
  const storedCheckpoint = (await store.readState()).checkpoint;
  assert.equal(signed.size, before);

  tamper(store);
  await assert.rejects(append(log, 'bad', 0, count), (e) => isCorruption(e) && message.test(e.message));

  assert.ok(log.failure !== undefined && isCorruption(log.failure), 'the log reports a CORRUPTION failure');
  assert.deepEqual(log.checkpoint, signed, 'no new checkpoint was signed');
  assert.equal((await store.readState()).checkpoint, storedCheckpoint, 'no new checkpoint was persisted');
  await assert.rejects(append(log, 'after', 0, 1), isCorruption, 'later writes are refused');
  await store.close();
}

describe('verify before sign (in process)', () => {
  it('refuses to sign when a leaf of the current batch is stored with a flipped byte', async () => {
    await expectRefusal(3, 5, (s) => {
      s.tamperNext = (b) => ({ ...b, leaves: b.leaves.map((l, i) => (i === 2 ? flipped(l, 7) : l)) });
    }, /leaf 5\b/);
  });

  it('refuses to sign when a hash of the current batch in its level-0 tile is stored flipped', async () => {
    // Entries 10..19 sit at hash positions 10..19 of tile 0/0; flip position 14 (leaf 14).
    await expectRefusal(10, 10, (s) => {
      s.tamperNext = (b) => withTile(b, 0, 0, (d) => flipped(d, 14 * 32 + 3));
    }, /tile 0\/0|leaf 14\b/);
  });

  it('refuses to sign when an older hash of the rewritten right-border tile is stored flipped', async () => {
    // The partial tile 0/0 is rewritten whole with each batch: position 3 belongs to an earlier batch.
    await expectRefusal(10, 10, (s) => {
      s.tamperNext = (b) => withTile(b, 0, 0, (d) => flipped(d, 3 * 32));
    }, /tile 0\/0/);
  });

  it('refuses to sign when a batch completes a tile and an older hash in it is stored flipped', async () => {
    // 250 → 260 completes tile 0/0; the root of 260 is read from tile 1/0 and tile 0/1, so only a read-back of
    // every written tile notices that position 3 of tile 0/0 (an earlier batch's hash) is wrong.
    await expectRefusal(250, 10, (s) => {
      s.tamperNext = (b) => withTile(b, 0, 0, (d) => flipped(d, 3 * 32 + 31));
    }, /tile 0\/0/);
  });

  it('refuses to sign when a level-1 tile hash written by the batch is stored flipped', async () => {
    await expectRefusal(250, 10, (s) => {
      s.tamperNext = (b) => withTile(b, 1, 0, (d) => flipped(d, 5));
    }, /tile 1\/0|root/);
  });

  it('refuses to sign when a right-border tile is stored too short', async () => {
    await expectRefusal(10, 10, (s) => {
      s.tamperNext = (b) => withTile(b, 0, 0, (d) => d.slice(0, d.length - 32));
    }, /tile 0\/0/);
  });

  it('refuses to sign when a stored leaf is overwritten between the commit and the re-verification', async () => {
    await expectRefusal(1, 4, (s) => {
      s.afterNextCommit = (inner, b) => inner.corruptLeaf(b.fromSize + 1, flipped(b.leaves[1], 0));
    }, /leaf 2\b/);
  });

  it('refuses to sign when a stored tile is overwritten between the commit and the re-verification', async () => {
    await expectRefusal(300, 4, (s) => {
      s.afterNextCommit = (inner, b) => {
        const t = b.tiles.find((x) => x.level === 0 && x.index === 1);
        assert.ok(t);
        inner.corruptTile(0, 1, flipped(t.data, 2 * 32 + 1));
      };
    }, /tile 0\/1|leaf 258\b/);
  });

  it('after refusing, answers appends and /healthz with 503 CORRUPTION problems and reports stamplog_stopped 1', async () => {
    const store = new TamperingStore();
    const log = await openTestLog(store, { sequencer: { batchMs: 0 } });
    store.tamperNext = (b) => ({ ...b, leaves: b.leaves.map((l) => flipped(l, 3)) });
    await assert.rejects(append(log, 'http', 0, 1), isCorruption);
    const secret = 'corruption-test-secret-0123456789';
    const server = createApp({ log, tokens: [parseToken(`alice:${secret}`)] }).listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const r = await fetch(`${url}/api/v1/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify(submissionJSON('http', 1)),
      });
      assert.equal(r.status, 503);
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
      assert.equal(((await r.json()) as { code: string }).code, 'CORRUPTION');
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 503);
      assert.equal(((await health.json()) as { code: string }).code, 'CORRUPTION');
      assert.match(await (await fetch(`${url}/metrics`)).text(), /^stamplog_stopped 1$/m);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
      await store.close();
    }
  });

  it('signs normally when nothing is tampered with (the harness itself does not trip the check)', async () => {
    const store = new TamperingStore();
    const log = await openTestLog(store, { sequencer: { batchMs: 0 } });
    await append(log, 'a', 0, 250);
    await append(log, 'b', 0, 10);
    assert.equal(log.checkpoint.size, 260);
    assert.equal(log.failure, undefined);
    await store.close();
  });
});

describe('verify at start-up (in process)', () => {
  async function storeWith(n: number): Promise<MemoryStore> {
    const store = new MemoryStore();
    const log = await openTestLog(store, { sequencer: { batchMs: 0 } });
    await append(log, 'x', 0, n);
    await store.close();
    return store;
  }

  it('refuses to open when a stored leaf has a flipped byte, naming the leaf', async () => {
    const store = await storeWith(300);
    const [leaf] = await (async () => {
      await store.open();
      const l = await store.readLeaves(77, 1);
      await store.close();
      return l;
    })();
    store.corruptLeaf(77, flipped(leaf, 10));
    await assert.rejects(openTestLog(store), (e) => isCorruption(e) && /leaf 77\b/.test(e.message) && /tile 0\/0/.test(e.message));
  });

  it('refuses to open when a stored tile has a flipped byte, naming the tile and the hash', async () => {
    const store = await storeWith(600);
    await store.open();
    const tile = await store.readTile(1, 0);
    await store.close();
    assert.ok(tile);
    store.corruptTile(1, 0, flipped(tile, 32 + 4));
    await assert.rejects(openTestLog(store), (e) => isCorruption(e) && /tile 1\/0/.test(e.message) && /leaves 256…511/.test(e.message));
  });

  it('refuses to open when the stored checkpoint is beyond the stored tree', async () => {
    // A checkpoint note for another store of 10 leaves, put next to a tree of 5 (as after a lost WAL record).
    const big = await storeWith(10);
    await big.open();
    const note = (await big.readState()).checkpoint;
    await big.close();
    const small = await storeWith(5);
    await small.open();
    assert.ok(note !== null);
    // putCheckpoint refuses a size above the committed size, so write the row the way a bad disk would.
    (small as unknown as { rows: Map<string, unknown> }).rows.set('meta\u0000checkpoint', note);
    await small.close();
    await assert.rejects(openTestLog(small), (e) => isCorruption(e) && /beyond the stored tree/.test(e.message));
  });

  it('opens again once the flipped byte is restored', async () => {
    const store = await storeWith(20);
    await store.open();
    const [leaf] = await store.readLeaves(3, 1);
    await store.close();
    store.corruptLeaf(3, flipped(leaf, 1));
    await assert.rejects(openTestLog(store), isCorruption);
    await store.close();
    store.corruptLeaf(3, leaf);
    const log = await openTestLog(store);
    assert.equal(log.checkpoint.size, 20);
    await store.close();
  });
});

// ───────────────────────── the real server on a LevelDB data directory ─────────────────────────

/**
 * A data directory with a log appended in requests of `batches` entries (default 3 × 100: tiles 0/0, 0/1
 * partial and 1/0), stopped cleanly, and what it acknowledged.
 */
interface Fixture {
  dir: string;
  logKey: string;
  timestampKey: string;
  observer: CrashObserver;
  subs: SubmissionJSON[];
}

async function makeFixture(batches: number[] = [100, 100, 100]): Promise<Fixture> {
  const dir = tempDir('stamplog-corrupt-');
  const srv = await startServer({ dataDir: dir });
  const observer = new CrashObserver(srv.logKey, srv.timestampKey);
  const salt = `corrupt-${process.pid}-${Date.now()}`;
  const subs = Array.from({ length: batches.reduce((a, b) => a + b, 0) }, (_, i) => makeSubmission(i, { salt }));
  try {
    let from = 0;
    for (const n of batches) {
      const r = await appendBatch(srv, subs.slice(from, from + n));
      assert.equal(r.status, 200, r.text);
      r.body.receipts.forEach((rc, i) => observer.observeReceipt(rc, from + i, subs[from + i], 'fixture'));
      // Every checkpoint served is one the restarted log must stay consistent with.
      observer.observeCheckpoint(await (await fetch(`${srv.url}/checkpoint`)).text(), `fixture after ${from + n}`);
      from += n;
    }
    observer.observeCheckpoint(await (await fetch(`${srv.url}/checkpoint`)).text(), 'fixture /checkpoint');
    assert.deepEqual(observer.violations, []);
  } finally {
    assert.equal(await srv.stop('SIGTERM'), 0, srv.output());
  }
  return { dir, logKey: srv.logKey, timestampKey: srv.timestampKey, observer, subs };
}

/**
 * A copy of `from` (a data directory) in a fresh temp dir, with its checkpoint lock beside it: the copy stands for
 * the same log after damage to its data directory, while the lock (on another volume in production) is intact.
 */
function copyDir(from: string): string {
  const to = tempDir('stamplog-corrupt-copy-');
  cpSync(from, to, { recursive: true });
  if (existsSync(`${from}.checkpoint-lock`)) cpSync(`${from}.checkpoint-lock`, `${to}.checkpoint-lock`);
  return to;
}

/** Rewrites the value of `key` in the LevelDB store of data directory `dir` with `f(value)`. */
async function rewriteRow(dir: string, key: string, f: (v: Uint8Array) => Uint8Array): Promise<void> {
  const db = new Level<string, Uint8Array>(join(dir, 'db'), { keyEncoding: 'utf8', valueEncoding: 'view' });
  await db.open();
  try {
    const v = await db.get(key);
    assert.ok(v !== undefined, `row ${JSON.stringify(key)} exists`);
    await db.put(key, f(v), { sync: true });
  } finally {
    await db.close();
  }
}

/** Starts the server on `dir`; resolves with its failure (exit code and output) or undefined and the running server. */
async function tryStart(dir: string): Promise<{ failure?: { code: number | null; output: string }; srv?: RunningServer }> {
  try {
    return { srv: await startServer({ dataDir: dir }) };
  } catch (e) {
    const message = (e as Error).message;
    const m = /exited \(code (\w+)\)/.exec(message);
    return { failure: { code: m === null ? null : Number(m[1]), output: message } };
  }
}

/** Expects `stamplog serve` on `dir` to refuse to start with a non-zero exit and a message matching `message`. */
async function expectStartRefused(dir: string, message: RegExp): Promise<string> {
  const r = await tryStart(dir);
  if (r.srv !== undefined) {
    await r.srv.kill();
    assert.fail('the server started on a corrupted data directory');
  }
  assert.ok(r.failure !== undefined);
  assert.ok(r.failure.code !== null && r.failure.code !== 0, `non-zero exit (${r.failure.code}):\n${r.failure.output}`);
  assert.match(r.failure.output, message);
  return r.failure.output;
}

describe('verify at start-up (real server, LevelDB on disk)', () => {
  let fx: Fixture;
  before(async () => {
    fx = await makeFixture();
  });
  after(() => removeDir(fx.dir));

  it('refuses to start when one byte of a stored leaf is flipped, naming the leaf', async () => {
    const dir = copyDir(fx.dir);
    try {
      await rewriteRow(dir, leafKey(123), (v) => flipped(v, 20));
      await expectStartRefused(dir, /leaf 123\b.*refusing/s);
    } finally {
      removeDir(dir);
    }
  });

  it('refuses to start when one byte of a stored hash tile is flipped, naming the tile and the hash', async () => {
    const dir = copyDir(fx.dir);
    try {
      await rewriteRow(dir, tileKey(0, 1), (v) => flipped(v, 10 * 32 + 5));
      await expectStartRefused(dir, /hash 10 of stored hash tile 0\/1 \(leaf 266\)/);
    } finally {
      removeDir(dir);
    }
  });

  it('refuses to start when one byte of the stored level-1 tile is flipped', async () => {
    const dir = copyDir(fx.dir);
    try {
      await rewriteRow(dir, tileKey(1, 0), (v) => flipped(v, 31));
      await expectStartRefused(dir, /stored hash tile 1\/0 \(the subtree of leaves 0…255\)/);
    } finally {
      removeDir(dir);
    }
  });

  it('refuses to start when one byte of the stored checkpoint is flipped', async () => {
    const dir = copyDir(fx.dir);
    try {
      // Byte 30 is inside the root line: the checkpoint is still well-formed but its signature fails.
      const file = join(dir, 'db', CHECKPOINT_FILE);
      writeFileSync(file, flipped(readFileSync(file), 30));
      await expectStartRefused(dir, /checkpoint/);
    } finally {
      removeDir(dir);
    }
  });

  for (const [what, damage] of [
    ['empty', (_b: Uint8Array) => new Uint8Array(0)],
    ['cut in its signature lines', (b: Uint8Array) => b.subarray(0, b.length - 20)],
    ['cut in its body', (b: Uint8Array) => b.subarray(0, 25)],
  ] as const) {
    it(`starts on a checkpoint file left ${what} by a power cut: re-verifies, signs again, serves every acknowledged entry`, async () => {
      const dir = copyDir(fx.dir);
      try {
        const file = join(dir, 'db', CHECKPOINT_FILE);
        writeFileSync(file, damage(readFileSync(file)));
        const srv = await startServer({ dataDir: dir });
        try {
          const check = new CrashObserver(fx.logKey, fx.timestampKey);
          for (const [size, c] of fx.observer.checkpoints) check.checkpoints.set(size, c);
          for (const [i, leaf] of fx.observer.acked) check.acked.set(i, leaf);
          await check.checkFinal(srv, (i) => fx.subs[i], { resubmit: 0 });
          assert.deepEqual(check.violations, []);
        } finally {
          await srv.kill();
        }
      } finally {
        removeDir(dir);
      }
    });
  }

  it('refuses to start when the stored tree size is beyond the stored leaves', async () => {
    const dir = copyDir(fx.dir);
    try {
      await rewriteRow(dir, SIZE_KEY, () => new TextEncoder().encode('301'));
      await expectStartRefused(dir, /tree size is 301 but leaves .* are not all stored/);
    } finally {
      removeDir(dir);
    }
  });

  it('refuses a second server process on the same data directory while the first keeps serving', async () => {
    const dir = copyDir(fx.dir);
    const first = await startServer({ dataDir: dir });
    try {
      await expectStartRefused(dir, /in use by another process/);
      const r = await appendOne(first, makeSubmission(1, { salt: `second-${Date.now()}` }));
      assert.equal(r.status, 201, r.text);
    } finally {
      await first.kill();
      removeDir(dir);
    }
  });
});

describe('raw byte flips in the LevelDB files (real server)', () => {
  let fx: Fixture;
  /** A log appended one entry per request: its write-ahead log holds many small records per 32 KiB block. */
  let small: Fixture;
  /** The fixture after one more clean start and stop: LevelDB has turned its write-ahead log into a table. */
  let tableDir: string;
  before(async () => {
    fx = await makeFixture();
    small = await makeFixture(Array.from({ length: 40 }, () => 1));
    tableDir = copyDir(fx.dir);
    const srv = await startServer({ dataDir: tableDir });
    // One round trip first: serve.ts installs its SIGTERM handler only after printing the listening line.
    assert.equal((await fetch(`${srv.url}/healthz`)).status, 200);
    assert.equal(await srv.stop('SIGTERM'), 0, srv.output());
  });
  after(() => {
    removeDir(fx.dir);
    removeDir(small.dir);
    removeDir(tableDir);
    if (process.env.STAMPLOG_TEST_VERBOSE) console.log(outcomesLog.join('\n'));
  });
  const outcomesLog: string[] = [];

  /**
   * Flips one byte at `at` of the file matching `pattern` in a copy of `base`, starts the server, and accepts
   * exactly two outcomes: it refuses to start with a non-zero exit and a message about corruption, or it
   * starts with a tree that verifies and still holds every acknowledged entry and is consistent with every
   * checkpoint it served before (never a smaller or different tree).
   */
  async function flipAndStart(fx: Fixture, base: string, pattern: RegExp, at: (length: number) => number): Promise<'refused' | 'verified'> {
    const dir = copyDir(base);
    try {
      const db = join(dir, 'db');
      const files = readdirSync(db).filter((f) => pattern.test(f));
      assert.ok(files.length > 0, `a file matching ${pattern} in ${readdirSync(db).join(', ')}`);
      const file = join(db, files.sort().at(-1) as string);
      const bytes = readFileSync(file);
      assert.ok(bytes.length > 0, `${file} is not empty`);
      const pos = at(bytes.length);
      bytes[pos] ^= 0x10;
      writeFileSync(file, bytes);
      const r = await tryStart(dir);
      if (r.failure !== undefined) {
        assert.ok(r.failure.code !== null && r.failure.code !== 0, `non-zero exit:\n${r.failure.output}`);
        assert.match(r.failure.output, /corrupt|does not match|differs|does not verify|beyond the stored tree|not all stored|missing|not a canonical|older than what was published/i, `a clear message (flip at ${pos} of ${files.at(-1)})`);
        // The refusal sticks: a second attempt does not start on what LevelDB left behind.
        const again = await tryStart(dir);
        if (again.srv !== undefined) {
          await again.srv.kill();
          assert.fail(`the server refused to start once (flip at ${pos}), then started on the same files:\n${r.failure.output}`);
        }
        const reason = /"msg":"cannot start: (.*?)"/.exec(r.failure.output)?.[1] ?? '';
        outcomesLog.push(`flip at ${pos}/${bytes.length}: refused: ${reason.slice(0, 160)}`);
        return 'refused';
      }
      const srv = r.srv as RunningServer;
      try {
        const check = new CrashObserver(fx.logKey, fx.timestampKey);
        for (const [size, c] of fx.observer.checkpoints) check.checkpoints.set(size, c);
        for (const [i, leaf] of fx.observer.acked) check.acked.set(i, leaf);
        await check.checkFinal(srv, (i) => fx.subs[i], { resubmit: 0 });
        assert.deepEqual(check.violations, [], `flip at ${pos} of ${files.at(-1)}: the server started, so its tree must verify and hold everything`);
        // Appending still works, or is refused because a (non-tree) row turned out corrupted: never anything else.
        const a = await appendOne(srv, makeSubmission(10_000, { salt: `flip-${pos}` }));
        assert.ok(a.status === 201 || (a.status === 503 && (a.body as unknown as { code: string }).code === 'CORRUPTION'), `append after a flip at ${pos}: ${a.status} ${a.text}`);
      } finally {
        await srv.kill();
      }
      outcomesLog.push(`flip at ${pos}/${bytes.length}: started with a verified tree`);
      return 'verified';
    } finally {
      removeDir(dir);
    }
  }

  it('a flipped byte in the write-ahead log (.log) never yields a smaller or unverified tree', { timeout: 120_000 }, async () => {
    const rnd = seededRandom(31337);
    const outcomes: string[] = [];
    // The middle of the log (inside a committed batch record), then seeded positions.
    const positions = [(n: number) => Math.floor(n / 2), (n: number) => Math.floor(n / 5), ...Array.from({ length: 6 }, () => (n: number) => Math.floor(rnd() * n))];
    for (const at of positions) outcomes.push(await flipAndStart(fx, fx.dir, /\.log$/, at));
    console.log(`write-ahead log flips: ${outcomes.join(', ')}`);
    assert.ok(outcomes.includes('refused'), 'a flip inside a committed batch record is caught');
  });

  it('a flipped byte in the last block of a write-ahead log of small records is caught (no silent rollback)', { timeout: 120_000 }, async () => {
    // LevelDB drops the rest of a 32 KiB log block after a bad record: here that is the newest batches AND their
    // checkpoints, which leaves an older, self-consistent state behind. Only LevelDB's own LOG tells.
    const rnd = seededRandom(777);
    const outcomes: string[] = [];
    const tail = (n: number) => n - 1 - Math.floor(rnd() * Math.min(n - 1, 8_000));
    for (let i = 0; i < 4; i++) outcomes.push(await flipAndStart(small, small.dir, /\.log$/, tail));
    console.log(`write-ahead log tail flips: ${outcomes.join(', ')}`);
    assert.ok(outcomes.every((o) => o === 'refused'), 'every flip in the tail is caught');
  });

  it('a flipped byte in a table file (.ldb) never yields a smaller or unverified tree', { timeout: 120_000 }, async () => {
    const rnd = seededRandom(4242);
    const outcomes: string[] = [];
    const positions = [(n: number) => Math.floor(n / 3), ...Array.from({ length: 7 }, () => (n: number) => Math.floor(rnd() * n))];
    for (const at of positions) outcomes.push(await flipAndStart(fx, tableDir, /\.ldb$/, at));
    console.log(`table file flips: ${outcomes.join(', ')}`);
  });
});
