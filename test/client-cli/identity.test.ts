/**
 * `stamplog check` compares filenames as the index does (NFC), against a REAL server: a second digest logged
 * under the NFD spelling of the local file's name is a substitution (exit 22), not another file.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendOne, removeDir, startServer, tempDir } from '../helpers/server.ts';
import type { RunningServer } from '../helpers/server.ts';
import { stamplog, show } from './helpers.ts';

const NFC_NAME = 'caf\u00e9-1.0.tar.gz';
const NFD_NAME = 'cafe\u0301-1.0.tar.gz';

describe('stamplog check: one filename in NFC and NFD is one file', () => {
  let srv: RunningServer;
  let dir: string;
  let file: string;

  before(async () => {
    dir = tempDir('stamplog-identity-');
    srv = await startServer();
    file = join(dir, NFC_NAME);
    writeFileSync(file, 'the real sdist\n');
  });
  after(async () => {
    await srv?.kill();
    removeDir(dir);
  });

  it('the local file alone is logged and uncontested', async () => {
    const home = join(dir, 'home1');
    const r = await stamplog(['append', file, '--project', 'Cafe', '--version', '1.0', '--log', srv.url, '--token', srv.token], { home });
    assert.equal(r.code, 0, show(r));
    const c = await stamplog(['check', file, '--log', srv.url], { home });
    assert.equal(c.code, 0, show(c));
  });

  it('another digest under the NFD spelling (and another spelling of the project) is contested: exit 22', async () => {
    const other = createHash('sha256').update('a substitute\n').digest('hex');
    const sub = { kind: 'artifact', subject: { project: 'CAFE', version: '1.0', filename: NFD_NAME, sha256: other, size: 13 } };
    const a = await appendOne(srv, sub);
    assert.equal(a.status, 201, a.text);
    const r = await stamplog(['check', file, '--log', srv.url], { home: join(dir, 'home2') });
    assert.equal(r.code, 22, show(r));
    assert.match(r.stderr, new RegExp(`CONTESTED: the log holds 1 other digest under the filename "${NFC_NAME}": ${other}`));
    assert.ok(r.stdout.includes(`CONFLICT:  index ${a.body.index}: artifact CAFE 1.0 ${NFD_NAME}`), show(r));
  });
});
