#!/usr/bin/env node
// Launcher for `stamplog-monitor`: loads the compiled CLI from dist/ (`npm run build`, run by `npm ci` and
// `npm install` through `prepare`), as bin/stamplog.js does for the log. No TypeScript loader at run time.
import { runCompiledCli } from '../bin/parent.js';

await runCompiledCli('stamplog-monitor', new URL('../dist/monitor/cli.js', import.meta.url));
