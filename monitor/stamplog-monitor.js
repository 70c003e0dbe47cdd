#!/usr/bin/env node
// Launcher for `stamplog-monitor`: registers tsx (a runtime dependency) and loads the TypeScript CLI, as
// bin/stamplog.js does for the server, so the repository works without a build step.
import { register } from 'tsx/esm/api';

register();
await import(new URL('./cli.ts', import.meta.url).href);
