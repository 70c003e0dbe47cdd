#!/usr/bin/env -S node --max-semi-space-size=64
// Launcher for the `stamplog` command: loads the compiled CLI from dist/ (`npm run build`, which `npm ci` and
// `npm install` run through the `prepare` script). No TypeScript loader at run time.
// --max-semi-space-size=64 (MiB): a larger young generation than V8's default 16, so that the objects of the
// batches in flight (a few hundred ms) die young instead of being promoted and collected again (measured:
// docs/benchmarks.md). `env -S` passes it (GNU coreutils ≥ 8.30, BSD and macOS env); `env` execs node, so the
// process that runs the CLI is the one its parent started, and signals sent to it reach the CLI.
import { readFileSync } from 'node:fs';
import { runCompiledCli } from './parent.js';

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  // `stamplog --version` alone answers from package.json without loading the CLI (start-up time): the same line
  // the CLI prints (src/cli/version.ts reads the same file; test/packaging compares the two).
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  await runCompiledCli('stamplog', new URL('../dist/src/cli/main.js', import.meta.url));
}
