#!/usr/bin/env -S node --max-semi-space-size=32
// Launcher for the `stamplog` command: registers tsx (a runtime dependency) in this process and loads the
// TypeScript CLI, so the repository works without a build step: `npx stamplog <command>` from its root.
// --max-semi-space-size=32 (MiB): a larger young generation than V8's default 16, so that the objects of a
// batch in flight (a few hundred ms) die young instead of being promoted and collected again; batch appends
// measured +3-4 % with it (docs/benchmarks.md). `env -S` passes it (GNU coreutils ≥ 8.30, BSD and macOS env).
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
