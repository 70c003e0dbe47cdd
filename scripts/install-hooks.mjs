#!/usr/bin/env node
// Run by `npm ci` / `npm install` (the `prepare` script): points git at the repository's hooks in .githooks/
// (the commit-msg rule of docs/design.md). Does nothing outside a git work tree (an installed package, a
// tarball) or where the developer has chosen another hooks directory.
import { spawnSync } from 'node:child_process';

const git = (...args) => spawnSync('git', args, { encoding: 'utf8' });
const inside = git('rev-parse', '--is-inside-work-tree');
if (inside.status !== 0 || inside.stdout.trim() !== 'true') process.exit(0);
const current = git('config', '--get', 'core.hooksPath').stdout.trim();
if (current !== '' && current !== '.githooks') {
  console.warn(`install-hooks: core.hooksPath is ${current}; leaving it (the commit-msg hook is in .githooks/)`);
  process.exit(0);
}
git('config', 'core.hooksPath', '.githooks');
