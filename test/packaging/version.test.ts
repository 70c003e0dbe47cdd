/** `stamplog --version` answered by the launcher (bin/stamplog.js) is what the CLI itself prints. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../helpers/server.ts';

const COMPILED = join(REPO_ROOT, 'dist/src/cli/main.js');

describe('the launcher version shortcut', { skip: existsSync(COMPILED) ? false : 'dist/ not built (npm run build)' }, () => {
  it('prints exactly what the CLI prints, for --version and -V', () => {
    const cli = spawnSync(process.execPath, [COMPILED, '--version'], { encoding: 'utf8' });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /^\d+\.\d+\.\d+\n$/);
    for (const flag of ['--version', '-V']) {
      const launched = spawnSync(process.execPath, [join(REPO_ROOT, 'bin/stamplog.js'), flag], { encoding: 'utf8' });
      assert.equal(launched.status, 0, launched.stderr);
      assert.equal(launched.stdout, cli.stdout, flag);
      assert.equal(launched.stderr, '');
    }
  });
});
