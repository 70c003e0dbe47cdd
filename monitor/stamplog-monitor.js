#!/usr/bin/env node
// Launcher for `stamplog-monitor`: loads the compiled CLI from dist/ (`npm run build`, run by `npm ci` and
// `npm install` through `prepare`), as bin/stamplog.js does for the log. No TypeScript loader at run time.
import { missingBuild, watchParent } from '../bin/parent.js';

const entry = new URL('../dist/monitor/cli.js', import.meta.url);
watchParent();
try {
  await import(entry.href);
} catch (e) {
  if (!missingBuild(e, entry)) throw e;
  process.stderr.write('stamplog-monitor: the compiled CLI (dist/) is missing: run `npm run build` (or `npm ci`) in the package directory\n');
  process.exitCode = 1;
}
