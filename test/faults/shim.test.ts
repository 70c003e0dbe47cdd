/**
 * The fault shim itself (faultshim.c): a child node process under LD_PRELOAD does file I/O through node's fs
 * (libuv → glibc, as the server's checkpoint and lock writes do) while rules are in place, and reports what
 * each call did. If the shim stopped injecting (or injected outside its root) the fault suites would test
 * nothing, so this checks that it does exactly what its rules say.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeDir } from '../helpers/server.ts';
import { FaultControl, buildShim } from './harness.ts';
import type { FaultRule } from './harness.ts';

/** Runs in the child: each step is a name and an fs call; prints one JSON line {step: errno code | 'ok'}. */
const CHILD = `
const fs = require('node:fs');
const [root, other] = process.argv.slice(1);
const out = {};
const step = (name, f) => { try { f(); out[name] = 'ok'; } catch (e) { out[name] = e.code ?? String(e); } };
step('write', () => fs.writeFileSync(root + '/a.txt', 'hello'));
step('write-other', () => fs.writeFileSync(other + '/a.txt', 'hello'));
step('fsync', () => {
  const fd = fs.openSync(root + '/b.txt', 'w');
  try {
    fs.writeSync(fd, 'synced ');
    fs.fsyncSync(fd);
    fs.writeSync(fd, 'unsynced');
    fs.fsyncSync(fd);
  } finally { fs.closeSync(fd); }
});
step('rename', () => { fs.writeFileSync(other + '/c.txt', 'x'); fs.renameSync(other + '/c.txt', root + '/c.txt'); });
step('open', () => fs.closeSync(fs.openSync(root + '/d.txt', 'w')));
process.stdout.write(JSON.stringify(out) + '\\n');
`;

const shim = buildShim();

describe('faultshim (LD_PRELOAD)', { skip: shim.reason ?? (process.platform !== 'linux' ? 'needs Linux (LD_PRELOAD)' : undefined) }, () => {
  const dirs: string[] = [];
  after(() => dirs.forEach(removeDir));

  /** Runs the child under `rules`; returns its step results, the fault log and the root directory. */
  function run(rules: FaultRule[]): { steps: Record<string, string>; fired: string[]; root: string } {
    const root = mkdtempSync(join(tmpdir(), 'stamplog-shimroot-'));
    const other = mkdtempSync(join(tmpdir(), 'stamplog-shimother-'));
    const control = new FaultControl();
    dirs.push(root, other, control.dir);
    control.set(rules);
    const r = spawnSync(process.execPath, ['-e', CHILD, root, other], { encoding: 'utf8', env: { ...process.env, ...control.env(shim.path as string, root) } });
    assert.equal(r.status, 0, r.stderr);
    return { steps: JSON.parse(r.stdout) as Record<string, string>, fired: control.fired(), root };
  }

  it('with no rule, changes nothing', () => {
    const { steps, fired } = run([]);
    assert.deepEqual(steps, { write: 'ok', 'write-other': 'ok', fsync: 'ok', rename: 'ok', open: 'ok' });
    assert.deepEqual(fired, []);
  });

  it('fails writes under its root only, with the chosen errno, and logs each fault', () => {
    const { steps, fired } = run([{ op: 'write', path: 'a.txt', errno: 'ENOSPC' }]);
    assert.equal(steps.write, 'ENOSPC');
    assert.equal(steps['write-other'], 'ok', 'a file outside the root is not affected');
    assert.equal(fired.length, 1);
    assert.match(fired[0], /^faultshim: write ENOSPC \S+\/a\.txt$/);
  });

  it('fails an fsync after `after` good ones, and with lose=1 drops what was written since the last good fsync', () => {
    const { steps, fired, root } = run([{ op: 'fsync', path: 'b.txt', errno: 'EIO', after: 1, count: 1, lose: true }]);
    assert.equal(steps.fsync, 'EIO');
    assert.equal(readFileSync(join(root, 'b.txt'), 'utf8'), 'synced ', 'the unsynced bytes are gone');
    assert.equal(fired.length, 1);
    assert.match(fired[0], /^faultshim: fsync EIO /);
  });

  it('fails a rename (matched on either path) without renaming, and a creating open without creating', () => {
    const { steps, root } = run([
      { op: 'rename', path: 'c.txt', errno: 'EIO' },
      { op: 'open', path: 'd.txt', errno: 'EROFS' },
    ]);
    assert.equal(steps.rename, 'EIO');
    assert.equal(steps.open, 'EROFS');
    assert.throws(() => readFileSync(join(root, 'c.txt')), { code: 'ENOENT' });
    assert.throws(() => readFileSync(join(root, 'd.txt')), { code: 'ENOENT' });
  });

  it('re-reads its control file when it changes', () => {
    const root = mkdtempSync(join(tmpdir(), 'stamplog-shimroot-'));
    const control = new FaultControl();
    dirs.push(root, control.dir);
    // The child writes, then waits for the parent to swap the rules (signalled through a file), then writes again.
    const script = `
      const fs = require('node:fs');
      const [root, go] = process.argv.slice(1);
      const attempt = () => { try { fs.writeFileSync(root + '/e.txt', 'x'); return 'ok'; } catch (e) { return e.code; } };
      const first = attempt();
      fs.writeFileSync(go + '.ready', '');
      const until = Date.now() + 10000;
      while (!fs.existsSync(go) && Date.now() < until) {}
      process.stdout.write(JSON.stringify([first, attempt()]));
    `;
    const go = join(control.dir, 'go');
    control.set([]);
    // Swap the rules from a helper process as soon as the child is ready (spawnSync blocks this one).
    const swapper = `
      const fs = require('node:fs');
      const [go, ctl, rule] = process.argv.slice(1);
      const until = Date.now() + 10000;
      while (!fs.existsSync(go + '.ready') && Date.now() < until) {}
      fs.writeFileSync(ctl + '.new', rule); fs.renameSync(ctl + '.new', ctl); fs.writeFileSync(go, '');
    `;
    const helper = spawnSync('sh', ['-c', `"${process.execPath}" -e '${swapper.replace(/'/g, `'\\''`)}' "$0" "$1" "$2" & "${process.execPath}" -e '${script.replace(/'/g, `'\\''`)}' "$3" "$0"; wait`, go, control.controlPath, 'op=write path=e.txt errno=EIO\n', root], {
      encoding: 'utf8',
      env: { ...process.env, ...control.env(shim.path as string, root) },
    });
    assert.equal(helper.status, 0, helper.stderr);
    assert.deepEqual(JSON.parse(helper.stdout), ['ok', 'EIO']);
  });
});
