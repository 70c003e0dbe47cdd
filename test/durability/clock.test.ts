/**
 * The log's clock (DESIGN §3 `time`, §2 signed time on tree heads): a clock that steps back never yields a leaf
 * time or a checkpoint time (timestamp cosignature) earlier than one already issued. Documented policy
 * (SequencerOptions.maxClockBackMs, default 5 s): within the tolerance, new leaves reuse the latest issued
 * time; beyond it, appends are refused with CLOCK_BEHIND (HTTP 503 + Retry-After) until the clock catches up —
 * also after a restart, where the latest time comes from the last leaf and the stored checkpoint's timestamp
 * cosignature. Everything runs in process with an injected clock.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { isStamplogError } from '../../src/base/errors.ts';
import type { TransparencyLog } from '../../src/log/log.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { openCheckpoint } from '../../src/note/checkpoint.ts';
import { cosignatureTimestamp, cosignatureVerifier } from '../../src/note/cosignature.ts';
import { ed25519NoteVerifier } from '../../src/note/keys.ts';
import { createApp } from '../../src/http/app.ts';
import { parseToken } from '../../src/http/auth.ts';
import { openTestLog, submission, submissionJSON, testKeys } from './common.ts';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 4, 29, 15, 37, 47, 123);
const keys = testKeys();
const logVerifier = ed25519NoteVerifier(keys.logVerifierKey);
const tsVerifier = cosignatureVerifier(keys.timestampVerifierKey);

/** The signed time (POSIX seconds) of a checkpoint note: its timestamp cosignature. */
function signedTime(note: string): number {
  const opened = openCheckpoint(note, logVerifier, { verifiers: [tsVerifier] });
  const sig = opened.note.verified.find((s) => s.verifier === tsVerifier);
  assert.ok(sig, 'the checkpoint carries the timestamp cosignature');
  return cosignatureTimestamp(sig.signature);
}

/** A controllable clock. */
function clock(start: number): { now: number; fn: () => number } {
  const c = { now: start, fn: () => c.now };
  return c;
}

/** Records every leaf time and checkpoint time issued, and checks that neither ever goes back. */
class Issued {
  leafTimes: number[] = [];
  checkpointTimes: number[] = [];
  record(log: TransparencyLog, times: number[]): void {
    this.leafTimes.push(...times);
    this.checkpointTimes.push(signedTime(log.checkpoint.note));
    for (let i = 1; i < this.leafTimes.length; i++) assert.ok(this.leafTimes[i] >= this.leafTimes[i - 1], `leaf time ${i} went back`);
    for (let i = 1; i < this.checkpointTimes.length; i++) assert.ok(this.checkpointTimes[i] >= this.checkpointTimes[i - 1], `checkpoint time ${i} went back`);
    assert.ok(Math.floor(Math.max(...this.leafTimes) / 1000) <= this.checkpointTimes.at(-1)!, 'the newest checkpoint is not older than its leaves');
  }
}

async function appendTimes(log: TransparencyLog, tag: string, n: number, count = 1): Promise<number[]> {
  const receipts = await log.append(Array.from({ length: count }, (_, i) => submission(tag, n + i)));
  return receipts.map((r) => r.entry.time);
}

const isClockBehind = (e: unknown) => isStamplogError(e, 'CLOCK_BEHIND');

describe('a clock that steps back', () => {
  it('within the tolerance: new leaves reuse the latest issued time', async () => {
    const c = clock(T0);
    const issued = new Issued();
    const log = await openTestLog(new MemoryStore(), { clock: c.fn, sequencer: { batchMs: 0, maxClockBackMs: 5_000 } });
    issued.record(log, await appendTimes(log, 'a', 0));
    c.now = T0 - 4_000;
    const times = await appendTimes(log, 'a', 1, 3);
    assert.deepEqual(times, [T0, T0, T0]);
    issued.record(log, times);
    c.now = T0 + 10;
    issued.record(log, await appendTimes(log, 'a', 4));
    assert.equal(issued.leafTimes.at(-1), T0 + 10);
  });

  it('by an hour: appends are refused with CLOCK_BEHIND (the log does not stop) until the clock catches up', async () => {
    const c = clock(T0);
    const issued = new Issued();
    const log = await openTestLog(new MemoryStore(), { clock: c.fn, sequencer: { batchMs: 0 } });
    issued.record(log, await appendTimes(log, 'b', 0, 2));
    const before = log.checkpoint;

    c.now = T0 - HOUR;
    await assert.rejects(log.append([submission('b', 2)]), (e) => isClockBehind(e) && e.details?.retryAfterSeconds === 3600 && /behind/.test(e.message));
    // Still behind, by less: still refused, with a shorter Retry-After.
    c.now = T0 - 10 * 60_000;
    await assert.rejects(log.append([submission('b', 2)]), (e) => isClockBehind(e) && e.details?.retryAfterSeconds === 600);
    // A resubmission of an existing entry is refused too: nothing is signed with a time the log knows is wrong.
    await assert.rejects(log.append([submission('b', 0)]), isClockBehind);
    assert.equal(log.failure, undefined, 'pushback does not stop the log');
    assert.deepEqual(log.checkpoint, before, 'nothing was signed');

    // Caught up to within the tolerance: the latest issued time is reused; then time moves on.
    c.now = T0 - 1_000;
    const times = await appendTimes(log, 'b', 2);
    assert.deepEqual(times, [T0]);
    issued.record(log, times);
    c.now = T0 + 2_000;
    issued.record(log, await appendTimes(log, 'b', 3));
  });

  it('by an hour at HTTP: 503 problem+json with Retry-After, then 201 once the clock caught up', async () => {
    const c = clock(T0);
    const log = await openTestLog(new MemoryStore(), { clock: c.fn, sequencer: { batchMs: 0 } });
    const secret = 'clock-test-secret-0123456789';
    const server = createApp({ log, tokens: [parseToken(`alice:${secret}`)] }).listen(0, '127.0.0.1');
    await new Promise<void>((r) => server.once('listening', () => r()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const post = (n: number) =>
      fetch(`${url}/api/v1/entries`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${secret}` },
        body: JSON.stringify(submissionJSON('http', n)),
      });
    try {
      assert.equal((await post(0)).status, 201);
      c.now = T0 - HOUR;
      const r = await post(1);
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('retry-after'), '3600');
      assert.match(r.headers.get('content-type') ?? '', /^application\/problem\+json/);
      const body = (await r.json()) as { code: string; status: number; detail: string };
      assert.equal(body.code, 'CLOCK_BEHIND');
      assert.equal(body.status, 503);
      assert.match(body.detail, /clock/);
      // /healthz names the condition (it is why appends are refused), then recovers by itself with the clock.
      const health = await fetch(`${url}/healthz`);
      assert.equal(health.status, 503, '/healthz shows why appends are refused');
      assert.equal(((await health.json()) as { code: string }).code, 'CLOCK_BEHIND');
      c.now = T0 + 1;
      assert.equal((await fetch(`${url}/healthz`)).status, 200, 'healthy again once the clock caught up');
      const ok = await post(1);
      assert.equal(ok.status, 201);
      assert.equal(((await ok.json()) as { entry: { time: number } }).entry.time, T0 + 1);
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  it('across a restart: the latest time comes from the stored leaves, so a clock an hour back is refused', async () => {
    const store = new MemoryStore();
    const c = clock(T0);
    let log = await openTestLog(store, { clock: c.fn, sequencer: { batchMs: 0 } });
    await appendTimes(log, 'r', 0, 3);
    await log.drain();
    await store.close();

    c.now = T0 - HOUR;
    log = await openTestLog(store, { clock: c.fn, sequencer: { batchMs: 0 } });
    await assert.rejects(log.append([submission('r', 3)]), isClockBehind);
    c.now = T0 - 4_000;
    assert.deepEqual(await appendTimes(log, 'r', 3), [T0]);
    await store.close();
  });

  it("across a restart: the stored checkpoint's timestamp cosignature counts even when it is newer than every leaf", async () => {
    const store = new MemoryStore();
    const c = clock(T0);
    const issued = new Issued();
    let log = await openTestLog(store, { clock: c.fn, sequencer: { batchMs: 0 } });
    issued.record(log, await appendTimes(log, 's', 0));
    // A crash between commit and checkpoint: the batch at T0 + 1 s is durable but unsigned…
    c.now = T0 + 1_000;
    store.faults.failCheckpoint = true;
    await assert.rejects(log.append([submission('s', 1)]));
    await store.close();
    // …and the restart, ten minutes later, signs it with a time newer than every leaf.
    c.now = T0 + 10 * 60_000;
    log = await openTestLog(store, { clock: c.fn, sequencer: { batchMs: 0 } });
    assert.equal(log.checkpoint.size, 2);
    const resigned = signedTime(log.checkpoint.note);
    assert.equal(resigned, Math.floor((T0 + 10 * 60_000) / 1000));
    issued.record(log, [T0 + 1_000]);
    await store.close();

    // The next restart's clock is a minute behind that checkpoint (but after every leaf): refused, not back-dated.
    c.now = T0 + 9 * 60_000;
    log = await openTestLog(store, { clock: c.fn, sequencer: { batchMs: 0 } });
    await assert.rejects(log.append([submission('s', 2)]), isClockBehind);
    c.now = T0 + 10 * 60_000 - 2_000;
    const times = await appendTimes(log, 's', 2);
    assert.ok(times[0] >= resigned * 1000, `leaf time ${times[0]} is not before the checkpoint time ${resigned} s`);
    issued.record(log, times);
    await store.close();
  });

  it('a restart with the clock an hour back re-signs a pending batch with the latest time, not the clock', async () => {
    const store = new MemoryStore();
    const c = clock(T0);
    let log = await openTestLog(store, { clock: c.fn, sequencer: { batchMs: 0 } });
    await appendTimes(log, 'p', 0);
    const first = signedTime(log.checkpoint.note);
    c.now = T0 + 5_000;
    store.faults.failCheckpoint = true;
    await assert.rejects(log.append([submission('p', 1)]));
    await store.close();
    c.now = T0 - HOUR;
    log = await openTestLog(store, { clock: c.fn, sequencer: { batchMs: 0 } });
    assert.equal(log.checkpoint.size, 2);
    const resigned = signedTime(log.checkpoint.note);
    assert.equal(resigned, Math.floor((T0 + 5_000) / 1000));
    assert.ok(resigned >= first);
    await store.close();
  });
});

describe('a clock that jumps ahead while the log runs', () => {
  it('refuses to issue the jumped time (CLOCK_AHEAD) and resumes by itself once the clock is back', async () => {
    const c = clock(T0);
    let mono = 0;
    const log = await openTestLog(new MemoryStore(), { clock: c.fn, monotonic: () => mono, sequencer: { batchMs: 0, maxClockJumpMs: 60_000 } });
    await log.append([submission('j', 1)]);
    // A year ahead on the wall clock, a second on the monotonic one: a jump, not elapsed time.
    c.now = T0 + 365 * 24 * HOUR;
    mono += 1_000;
    await assert.rejects(log.append([submission('j', 2)]), (e) => isStamplogError(e, 'CLOCK_AHEAD') && /jumped/.test(e.message));
    assert.equal(log.clockProblem?.code, 'CLOCK_AHEAD');
    assert.equal(log.failure, undefined, 'the log did not stop');
    // The clock is set right again: no time from the jump was issued, so nothing waits for a year.
    c.now = T0 + 2_000;
    mono += 1_000;
    const [r] = await log.append([submission('j', 3)]);
    assert.equal(r.entry.time, T0 + 2_000);
    // Time that really elapsed is not a jump.
    c.now = T0 + 2 * HOUR;
    mono += 2 * HOUR;
    const [r2] = await log.append([submission('j', 4)]);
    assert.equal(r2.entry.time, T0 + 2 * HOUR);
    await log.drain();
  });
});
