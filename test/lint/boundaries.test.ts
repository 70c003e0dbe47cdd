/**
 * The house rules (scripts/lint/boundaries.js) fail `npm run lint`: each case lints a one-line file as if it
 * stood at the given path, through the project's own eslint.config.js, and expects the rule's verdict.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
// @ts-expect-error: a JavaScript module without types (it is loaded by eslint.config.js)
import { DEPENDS_ON, unitOf } from '../../scripts/lint/boundaries.js';

const root = new URL('../..', import.meta.url).pathname;
const eslint = new ESLint({ cwd: root });

async function houseErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = 1;\n`, { filePath: join(root, path) });
  return result.messages.filter((m) => m.ruleId === 'stamplog/boundaries' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
}

const refused: [string, string, RegExp][] = [
  ['src/merkle/x.ts', "import { readFileSync } from 'node:fs'; void readFileSync;", /src\/merkle is pure/],
  ['src/verify/x.ts', "import { open } from 'fs'; void open;", /src\/verify is pure/],
  ['src/leaf/x.ts', "import { Level } from 'level'; void Level;", /src\/leaf is pure/],
  ['src/note/x.ts', "export const m = () => import('node:crypto');", /src\/note is pure/],
  ['src/log/x.ts', "import { leafHash } from '../merkle/hash.ts'; void leafHash;", /enter src\/merkle through src\/merkle\/index.ts/],
  ['src/index.ts', "export { leafHash } from './merkle/hash.ts';", /enter src\/merkle through/],
  ['src/merkle/x.ts', "import { TransparencyLog } from '../log/index.ts'; void TransparencyLog;", /src\/merkle may not import src\/log/],
  ['src/base/x.ts', "import { leafHash } from '../merkle/index.ts'; void leafHash;", /src\/base may not import src\/merkle \(allowed: nothing\)/],
  ['src/log/x.ts', "import { x } from '../../monitor/index.ts'; void x;", /src\/ never imports the monitor/],
  ['monitor/x.ts', "import { TransparencyLog } from '../src/log/index.ts'; void TransparencyLog;", /the monitor uses src\/ only through its public surface/],
  ['monitor/x.ts', "import { integer } from '../src/cli/options.ts'; void integer;", /public surface; src\/cli is the server's own/],
  ['monitor/follow/x.ts', "import { leafHash } from '../../src/merkle/hash.ts'; void leafHash;", /enter src\/merkle through/],
  ['src/verify/x.ts', "export const b = () => Buffer.from('x');", /Buffer is Node-only/],
  ['src/merkle/x.ts', "export const e = () => process.env;", /process is Node-only/],
];
const accepted: [string, string][] = [
  ['src/log/x.ts', "import { leafHash } from '../merkle/index.ts'; void leafHash;"],
  ['src/log/x.ts', "import { readFile } from 'node:fs/promises'; void readFile;"],
  ['src/merkle/x.ts', "import { leafHash } from './hash.ts'; void leafHash;"],
  ['src/crypto/x.ts', "import type { KeyObject } from 'node:crypto'; export type K = KeyObject;"],
  ['src/cli/x.ts', "import { TransparencyLog } from '../log/index.ts'; void TransparencyLog;"],
  ['monitor/follow/x.ts', "import { leafHash } from '../../src/merkle/index.ts'; void leafHash;"],
  ['monitor/x.ts', "import { verifyReceipt } from '../src/index.ts'; void verifyReceipt;"],
  ['test/log/x.test.ts', "import { leafHash } from '../../src/merkle/hash.ts'; void leafHash;"],
  ['src/log/x.ts', "export const b = () => Buffer.from('x');"],
];

describe('the house rules in npm run lint', () => {
  for (const [path, code, why] of refused) {
    it(`refuses in ${path}: ${code.split(';')[0]}`, async () => {
      const errors = await houseErrors(path, code);
      assert.equal(errors.length, 1, `expected one house error, got ${JSON.stringify(errors)}`);
      assert.match(errors[0], why);
    });
  }
  for (const [path, code] of accepted) {
    it(`accepts in ${path}: ${code.split(';')[0]}`, async () => {
      assert.deepEqual(await houseErrors(path, code), []);
    });
  }
  it('knows every folder of src/, each (but the CLI on top) entered through an index.ts', () => {
    for (const dir of ['src', 'monitor']) {
      for (const name of readdirSync(join(root, dir))) {
        const path = `${dir}/${name}`;
        if (!statSync(join(root, path)).isDirectory()) continue;
        const unit = unitOf(`${path}/x.ts`) as string | undefined;
        if (unit === undefined) continue; // monitor/test, monitor/bench
        if (dir === 'src') assert.ok(unit in DEPENDS_ON, `${unit} has no row in DEPENDS_ON`);
        // src/cli is the top of the house: nothing imports it; bin/ starts its main.ts.
        if (unit === 'src/cli') continue;
        assert.ok(existsSync(join(root, path, 'index.ts')), `${path}/index.ts is missing`);
      }
    }
  });
});
