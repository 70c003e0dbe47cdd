#!/usr/bin/env -S node --max-semi-space-size=64
// Launcher for the `stamplog` command: registers tsx (a runtime dependency) in this process and loads the
// TypeScript CLI, so the repository works without a build step: `npx stamplog <command>` from its root.
// --max-semi-space-size=64 (MiB): a larger young generation than V8's default 16, so that the objects of the
// batches in flight (a few hundred ms) die young instead of being promoted and collected again; measured: batch
// appends +3-4 % with 32; a 1,000,000-record backfill (server and client both) +3-5 % more with 64
// (docs/benchmarks.md). `env -S` passes it (GNU coreutils ≥ 8.30, BSD and macOS env).
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
