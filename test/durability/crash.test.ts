/**
 * Crash safety (issue 3 acceptance): the real server process is SIGKILLed at seeded random moments under
 * concurrent single and batch appends, at least 20 times, and restarted on the same data directory. Every
 * acknowledged receipt must verify and be in the final log at its index, no index may be reused, every
 * checkpoint ever served must be consistent with the final one, and the tiles must rebuild the final root.
 * The checks live in crashcheck.ts (shared with `npm run soak`). Seed: STAMPLOG_CRASH_SEED (default 20240529).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { removeDir, tempDir } from '../helpers/server.ts';
import { CrashObserver, runCrashLoop } from './crashcheck.ts';
import { testKeys } from './common.ts';
import { formatTlogProof } from '../../src/note/tlogproof.ts';

const SEED = Number(process.env.STAMPLOG_CRASH_SEED ?? 20240529);

describe('crash safety under SIGKILL', () => {
  it('keeps every acknowledged entry and every served checkpoint across 24 kills', { timeout: 150_000 }, async () => {
    const dataDir = tempDir('stamplog-crash-');
    try {
      const result = await runCrashLoop({
        seed: SEED,
        kills: 24,
        dataDir,
        clients: 6,
        maxBatch: 40,
        thinkMs: 0,
        minUpMs: 150,
        maxUpMs: 1200,
        startupKillFraction: 0.15,
        deadlineMs: 75_000,
        extraArgs: ['--batch-ms', '2'],
      });
      const summary = `seed ${SEED}: ${result.kills} kills (${result.startupKills} during start-up), ${result.acknowledged} acknowledged indexes, ${result.receipts} receipts (${result.duplicates} duplicates), ${result.checkpointsSeen} checkpoints seen, ${result.failedRequests} requests cut by kills, final size ${result.finalSize}, ${result.durationMs} ms`;
      console.log(summary);
      assert.deepEqual(result.violations, [], summary);
      assert.ok(result.kills >= 20, `at least 20 kills (${summary})`);
      assert.ok(result.acknowledged >= 500, `the load acknowledged a meaningful number of entries (${summary})`);
      assert.ok(result.failedRequests > 0, `some requests were in flight when the server was killed (${summary})`);
      assert.ok(result.distinctCheckpointSizes >= 20, `checkpoints of many sizes were seen (${summary})`);
      assert.ok(result.finalSize >= result.acknowledged);
      assert.equal(result.finalExitCode, 0, 'the final server shuts down cleanly on SIGTERM');
    } finally {
      removeDir(dataDir);
    }
  });
});

describe('CrashObserver (the checker can fail)', () => {
  const keys = testKeys();
  it('flags a receipt that does not verify and two leaves acknowledged at one index', () => {
    const o = new CrashObserver(keys.logVerifierKey, keys.timestampVerifierKey);
    const sub = { kind: 'artifact' as const, subject: { project: 'p', version: '1', filename: 'f', sha256: '00'.repeat(32), size: 1 } };
    o.observeReceipt({ index: 0, leafHash: '00', entry: { time: 0, subject: sub.subject }, proof: 'garbage', duplicate: false }, 1, sub, 'test');
    assert.equal(o.violations.length, 1);
    assert.match(o.violations[0], /does not verify/);
    o.observeCheckpoint('not a note', 'test');
    assert.equal(o.violations.length, 2);
    // A well-formed proof text whose checkpoint is signed by no key of ours.
    const bogus = formatTlogProof({ extra: new Uint8Array([1]), index: 0, proof: [], note: 'example.test/log\n1\n' + 'A'.repeat(43) + '=\n\n— example.test/log AAAAAAAA\n' });
    o.observeReceipt({ index: 0, leafHash: '00', entry: { time: 0, subject: sub.subject }, proof: bogus, duplicate: false }, 2, sub, 'test');
    assert.equal(o.violations.length, 3);
  });
});
