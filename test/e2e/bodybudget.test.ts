/**
 * Issue 16's stalled uploads against the REAL server with its default body budget (src/http/bodybudget.ts: 16 MiB
 * per token, 64 MiB in total, 10 s idle timeout): 300 authenticated uploads announce 8 MiB, send 1 MiB and
 * stall, through both append paths (the fast path takes `application/json`; a media type parameter it does not
 * know sends the request to express). The server must stay small, refuse what does not fit at once (503 with
 * Retry-After), keep appending for a token with room, answer the stalled ones 408 at the idle timeout and then
 * take appends again with nothing left reserved.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { DEFAULT_BODY_LIMITS } from '../../src/http/bodybudget.ts';
import { appendOne, getText, makeSubmission, startServer, waitFor } from '../helpers/server.ts';
import type { RunningServer } from '../helpers/server.ts';
import { stalledUpload } from '../helpers/stalled.ts';
import type { StalledUpload } from '../helpers/stalled.ts';

const MiB = 1024 * 1024;
/**
 * How much the server's peak resident memory may grow while 300 uploads stall. The budget holds at most 64 MiB of
 * bodies; the rest is the connections and the refused bodies read and discarded as they arrive. Without a budget
 * every stalled upload keeps what it sent, 300 MiB here.
 */
const RSS_GROWTH_BOUND = 100 * MiB;
const BATCH = '/api/v1/entries/batch';
const FAST = 'application/json';
const EXPRESS = 'application/json; profile=x';
const NAMES = ['alice', 'bob', 'carol', 'dave', 'erin'] as const;
type Name = (typeof NAMES)[number];

/** A figure of /proc/<pid>/status in bytes: VmRSS (resident now) or VmHWM (the peak of VmRSS). */
function memoryBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB$`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Error(`no ${field} for ${pid}`);
  return Number(m[1]) * 1024;
}

describe('stalled uploads against the real server', { timeout: 90_000 }, () => {
  let srv: RunningServer;
  const secrets = Object.fromEntries(NAMES.map((n) => [n, `${randomBytes(18).toString('base64url')}`])) as Record<Name, string>;
  const uploads: { who: Name; up: StalledUpload }[] = [];
  let baseline = 0;
  let appended = 0;

  const reserved = async () => {
    const m = /^stamplog_body_bytes_reserved (\d+)$/m.exec((await getText(srv, '/metrics')).text);
    if (m === null) throw new Error('no stamplog_body_bytes_reserved in /metrics');
    return Number(m[1]);
  };
  const append = (who: Name) => appendOne(srv, makeSubmission(appended++, { salt: 'bodybudget' }), secrets[who]);
  /** `n` uploads by `who` announcing 8 MiB, each sending 1 MiB and then nothing; resolves once all is sent. */
  const stall = async (who: Name, n: number, contentType: string) => {
    const started = Array.from({ length: n }, () =>
      stalledUpload(srv.port, {
        path: BATCH,
        headers: { 'content-type': contentType, authorization: `Bearer ${secrets[who]}` },
        declaredLength: 8 * MiB,
        sent: Buffer.alloc(MiB, 0x20),
      }),
    );
    uploads.push(...started.map((up) => ({ who, up })));
    await Promise.all(started.map((u) => u.written));
  };
  const answeredCount = () => uploads.filter((u) => u.up.answered()).length;
  // Until the timeouts are under test, the admitted uploads send a byte now and then, well within the idle
  // timeout, so that a slow machine does not see them expire in the middle of the other checks.
  let trickle: NodeJS.Timeout | undefined;

  before(async () => {
    srv = await startServer({ tokens: NAMES.map((n) => `${n}:${secrets[n]}`) });
    assert.equal((await append('bob')).status, 201);
    baseline = memoryBytes(srv.pid, 'VmRSS');
    trickle = setInterval(() => {
      for (const u of uploads) if (!u.up.answered()) u.up.write(Buffer.from(' '));
    }, DEFAULT_BODY_LIMITS.idleTimeoutMs / 5);
  });
  after(async () => {
    clearInterval(trickle);
    for (const u of uploads) u.up.destroy();
    await srv?.kill();
  });

  it('admits two 8 MiB bodies of one token and refuses its others at once, 503 with Retry-After', async () => {
    await stall('alice', 100, FAST);
    await waitFor(() => answeredCount() >= 98, '98 refusals', 20_000);
    const answers = await Promise.all(uploads.filter((u) => u.up.answered()).map((u) => u.up.answer));
    for (const a of answers) {
      assert.equal(a?.status, 503, a?.text);
      assert.equal(a?.json?.code, 'PUSHBACK');
      assert.match(String(a?.headers['retry-after']), /^[1-9][0-9]*$/);
    }
    assert.equal(answeredCount(), 98);
    assert.equal(await reserved(), DEFAULT_BODY_LIMITS.perTokenBytes);
  });

  it('keeps appending for another token meanwhile', async () => {
    assert.equal((await append('bob')).status, 201);
  });

  it('refuses everyone, 503 with Retry-After, once 300 stalled uploads fill the total, and stays small (peak RSS growth < 100 MiB)', async () => {
    await stall('carol', 67, EXPRESS);
    await stall('dave', 67, EXPRESS);
    await stall('erin', 66, FAST);
    assert.equal(uploads.length, 300);
    const growth = memoryBytes(srv.pid, 'VmHWM') - baseline;
    assert.ok(growth < RSS_GROWTH_BOUND, `the server's peak RSS grew by ${(growth / MiB).toFixed(1)} MiB with 300 stalled uploads`);
    await waitFor(() => answeredCount() >= 300 - 8, 'the refusals of all but 8 uploads', 30_000);
    assert.equal(await reserved(), DEFAULT_BODY_LIMITS.totalBytes);
    const bob = await append('bob');
    assert.equal(bob.status, 503, bob.text);
    assert.equal((bob.body as unknown as { code?: string }).code, 'PUSHBACK');
    assert.ok(bob.headers.get('retry-after') !== null);
    // Both paths hold stalled bodies: carol's and dave's went to express, erin's to the fast path.
    const held = uploads.filter((u) => !u.up.answered()).map((u) => u.who);
    assert.deepEqual([...new Set(held)].sort(), ['alice', 'carol', 'dave', 'erin']);
  });

  it('takes appends again as soon as stalled uploads are aborted', async () => {
    for (const u of uploads) if (u.who === 'alice' && !u.up.answered()) u.up.destroy();
    await waitFor(async () => (await reserved()) === DEFAULT_BODY_LIMITS.totalBytes - DEFAULT_BODY_LIMITS.perTokenBytes, 'alice\'s release');
    assert.equal((await append('bob')).status, 201);
  });

  it('answers the others 408 once they stall and then holds nothing', async () => {
    clearInterval(trickle);
    const held = uploads.filter((u) => u.who !== 'alice' && !u.up.answered());
    assert.equal(held.length, 6);
    const answers = await Promise.all(held.map((u) => u.up.answer));
    for (const a of answers) {
      assert.equal(a?.status, 408, a?.text);
      assert.equal(a?.json?.code, 'TIMEOUT');
    }
    await waitFor(async () => (await reserved()) === 0, 'the budget to return to 0');
    for (const who of NAMES) assert.equal((await append(who)).status, 201, who);
  });
});
