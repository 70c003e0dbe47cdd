/**
 * The commit-msg hook (.githooks/commit-msg) refuses what the project's commit rule refuses, in a real git
 * repository, and scripts/install-hooks.mjs (run by `npm ci`) installs it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = new URL('../..', import.meta.url).pathname;
let repo = '';
const git = (...args: string[]) =>
  spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', '-c', 'commit.gpgsign=false', ...args], { cwd: repo, encoding: 'utf8' });

function commit(message: string): { ok: boolean; stderr: string } {
  writeFileSync(join(repo, 'f'), `${Math.random()}`);
  git('add', 'f');
  const c = spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', 'commit', '-q', '-F', '-'], { cwd: repo, input: message, encoding: 'utf8' });
  return { ok: c.status === 0, stderr: c.stderr };
}

describe('the commit-msg hook', () => {
  before(() => {
    repo = mkdtempSync(join(tmpdir(), 'stamplog-hook-'));
    assert.equal(git('init', '-q').status, 0);
    const install = spawnSync(process.execPath, [join(root, 'scripts/install-hooks.mjs')], { cwd: repo, encoding: 'utf8' });
    assert.equal(install.status, 0, install.stderr);
    assert.equal(git('config', '--get', 'core.hooksPath').stdout.trim(), '.githooks', 'install-hooks sets core.hooksPath');
    // The temporary repository uses this checkout's hook.
    assert.equal(git('config', 'core.hooksPath', join(root, '.githooks')).status, 0);
  });
  after(() => rmSync(repo, { recursive: true, force: true }));

  it('accepts a short subject, a blank line and a body', () => {
    const r = commit('Fix the thing\n\nBecause it was broken; 3 ms faster.\n');
    assert.ok(r.ok, r.stderr);
  });
  it('refuses a subject over 72 characters', () => {
    const r = commit(`${'x'.repeat(73)}\n\nbody\n`);
    assert.equal(r.ok, false);
    assert.match(r.stderr, /the subject is 73 characters \(at most 72\)/);
  });
  it('refuses a message without a body', () => {
    const r = commit('Only a subject\n');
    assert.equal(r.ok, false);
    assert.match(r.stderr, /there is no body/);
  });
  it('refuses a body glued to the subject', () => {
    const r = commit('Subject\nbody on the second line\n');
    assert.equal(r.ok, false);
    assert.match(r.stderr, /the second line must be blank/);
  });
  it('counts characters, not bytes, and ignores comment lines', () => {
    const r = commit(`${'é'.repeat(72)}\n# a comment git strips\n\nWhy.\n`);
    assert.ok(r.ok, r.stderr);
  });
});
