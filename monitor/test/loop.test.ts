import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { getEventListeners } from 'node:events';
import { repeat, sleep } from '../loop.ts';

describe('repeat (the daemon loop)', () => {
  it('keeps at most one abort listener on the shared stop signal, however many passes it runs', async () => {
    const stop = new AbortController();
    const warnings: Error[] = [];
    const onWarning = (w: Error) => void warnings.push(w);
    process.on('warning', onWarning);
    let passes = 0;
    let most = 0;
    try {
      await repeat(0, stop.signal, async () => {
        most = Math.max(most, getEventListeners(stop.signal, 'abort').length);
        if (++passes === 600) stop.abort();
      }, () => false);
      // A warning is emitted on the next tick.
      await new Promise((r) => setImmediate(r));
    } finally {
      process.off('warning', onWarning);
    }
    assert.equal(passes, 600);
    assert.ok(most <= 1, `${most} abort listeners after ${passes} passes`);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0);
    assert.deepEqual(warnings.filter((w) => w.name === 'MaxListenersExceededWarning'), []);
  });

  it('a failed pass goes to onError and the loop carries on, or stops when onError says so', async () => {
    const stop = new AbortController();
    let passes = 0;
    const seen: unknown[] = [];
    await repeat(0, stop.signal, async () => {
      passes++;
      throw new Error(`pass ${passes}`);
    }, (e) => {
      seen.push(e);
      return passes === 3;
    });
    assert.equal(passes, 3);
    assert.equal(seen.length, 3);
  });
});

describe('sleep', () => {
  it('ends at once when the signal aborts, and leaves no listener either way', async () => {
    const stop = new AbortController();
    await sleep(1, stop.signal);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 0);
    const t0 = performance.now();
    const long = sleep(60_000, stop.signal);
    assert.equal(getEventListeners(stop.signal, 'abort').length, 1);
    stop.abort();
    await long;
    assert.ok(performance.now() - t0 < 1_000);
    await sleep(60_000, stop.signal); // already aborted: resolves at once
  });
});
