#!/usr/bin/env node
// `npm run build` (also run by `npm ci` / `npm install` through `prepare`, and before `npm pack`): compiles src/
// and monitor/ to JavaScript in dist/ with tsconfig.build.json. dist/ is emptied first, so that a module deleted
// from the sources does not live on in the build or the package.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url);
rmSync(new URL('dist', root), { recursive: true, force: true });
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: root, stdio: 'inherit' });
process.exit(result.status ?? 1);
