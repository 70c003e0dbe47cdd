/**
 * Which log `stamplog verify` trusts, against two REAL servers (two origins, both pinned in one trust store):
 * without --policy it accepts a receipt of any pinned log and says so in the OK line (origin and pinned key);
 * --origin and --log-key restrict it to one log.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { removeDir, startServer, tempDir } from '../helpers/server.ts';
import type { RunningServer } from '../helpers/server.ts';
import { stamplog, show } from './helpers.ts';
import type { CliResult } from './helpers.ts';

describe('stamplog verify: which log it trusts', () => {
  let a: RunningServer;
  let b: RunningServer;
  let dir: string;
  let home: string;
  let file: string;
  const run = (args: string[]) => stamplog(args, { home });
  const expect = (r: CliResult, code: number, pattern?: RegExp) => {
    assert.equal(r.code, code, show(r));
    if (pattern !== undefined) assert.match(r.stdout + r.stderr, pattern, show(r));
  };
  const escape = (s: string) => s.replace(/[.+/]/g, '\\$&');

  before(async () => {
    dir = tempDir('stamplog-verify-trust-');
    home = join(dir, 'home');
    [a, b] = await Promise.all([startServer({ origin: 'a.example/log' }), startServer({ origin: 'b.example/log' })]);
    file = join(dir, 'demo-1.0.tar.gz');
    writeFileSync(file, 'the demo sdist\n');
    expect(await run(['append', file, '--project', 'demo', '--version', '1.0', '--log', a.url, '--token', a.token]), 0);
    expect(await run(['check', file, '--log', b.url]), 21); // pins b.example/log too
  });
  after(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    removeDir(dir);
  });

  it('without --policy: accepted from the pinned log, and the OK line names its origin and pinned key', async () => {
    const r = await run(['verify', file]);
    expect(r, 0, /^OK demo-1\.0\.tar\.gz: demo 1\.0, sha256 [0-9a-f]{64}, logged at index 0 of a\.example\/log/);
    assert.match(r.stdout, new RegExp(`; trusted: the key pinned for a\\.example/log in the trust store \\(${escape(a.logKey)}\\)\\n$`));
  });

  it('--origin accepts a receipt of that log only, even when the other log is pinned too', async () => {
    expect(await run(['verify', file, '--origin', 'a.example/log']), 0, /trusted: the key pinned for a\.example\/log/);
    expect(await run(['verify', file, '--origin', 'b.example/log']), 12, /the receipt is from the log a\.example\/log, not from b\.example\/log \(--origin\)/);
    expect(await run(['verify', file, '--origin', 'c.example/log']), 12, /not from c\.example\/log/);
  });

  it('--log-key trusts that key alone', async () => {
    expect(await run(['verify', file, '--log-key', a.logKey]), 0, new RegExp(`trusted: the given log key ${escape(a.logKey)}`));
    expect(await run(['verify', file, '--log-key', b.logKey]), 12);
    // Not the key pinned for the receipt's origin: refused as a key change.
    const k = await run(['keygen', '--type', 'log', '--name', 'a.example/log', '--out', join(dir, 'impostor.key')]);
    expect(k, 0);
    const impostor = readFileSync(join(dir, 'impostor.key.pub'), 'utf8').trim();
    expect(await run(['verify', file, '--log-key', impostor]), 20, /is not the key pinned for the log a\.example\/log/);
  });

  it('--policy with --origin restricts the policy to that origin; conflicting choices are usage errors', async () => {
    const policy = join(dir, 'policy.txt');
    writeFileSync(policy, `log ${a.logKey}\nlog ${b.logKey}\nquorum none\n`);
    expect(await run(['verify', file, '--policy', policy]), 0, new RegExp(`trusted: the policy ${escape(policy)}`));
    expect(await run(['verify', file, '--policy', policy, '--origin', 'b.example/log']), 12, /not from b\.example\/log/);
    expect(await run(['verify', file, '--policy', policy, '--log-key', a.logKey]), 2, /at most one of --policy and --log-key/);
    expect(await run(['verify', file, '--log-key', a.logKey, '--origin', 'a.example/log']), 2);
  });
});
