#!/usr/bin/env node
// Launcher for the `stamplog` command: registers tsx (a runtime dependency) in this process and loads the
// TypeScript CLI, so the repository works without a build step: `npx stamplog <command>` from its root.
import { register } from 'tsx/esm/api';

register();
await import(new URL('../src/cli/main.ts', import.meta.url).href);
