/**
 * Split view: two REAL server processes share one log key (a `keygen --type log` key copied into both data
 * directories) but hold different entries. A client that has seen one and is then pointed at the other must
 * refuse, print both checkpoints, keep its pin, and write no receipt.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { appendBatch, makeSubmission, removeDir, startServer, tempDir } from '../helpers/server.ts';
import type { RunningServer } from '../helpers/server.ts';
import { TrustStore } from '../../src/client/truststore.ts';
import { stamplog, show } from './helpers.ts';

const ORIGIN = 'split.example/log';

describe('split view between two servers sharing one log key', () => {
  let dir: string;
  let a: RunningServer;
  let b: RunningServer;
  let file: string;

  const checkpointOf = async (s: RunningServer) => (await fetch(`${s.url}/checkpoint`)).text();
  const rootLine = (note: string) => note.split('\n')[2];

  before(async () => {
    dir = tempDir('stamplog-split-');
    for (const d of ['a', 'b']) mkdirSync(join(dir, d), { mode: 0o700 });
    const r = await stamplog(['keygen', '--type', 'log', '--name', ORIGIN, '--out', join(dir, 'a', 'log.key')], { home: join(dir, 'keyhome') });
    assert.equal(r.code, 0, show(r));
    copyFileSync(join(dir, 'a', 'log.key'), join(dir, 'b', 'log.key'));
    chmodSync(join(dir, 'b', 'log.key'), 0o600);
    [a, b] = await Promise.all([startServer({ dataDir: join(dir, 'a'), origin: ORIGIN }), startServer({ dataDir: join(dir, 'b'), origin: ORIGIN })]);
    assert.equal(a.logKey, b.logKey, 'both servers use the shared key');
    assert.equal(a.logKey, readFileSync(join(dir, 'a', 'log.key.pub'), 'utf8').trim());
    // Same size (3), different entries.
    assert.equal((await appendBatch(a, [0, 1, 2].map((i) => makeSubmission(i, { salt: 'a' })))).status, 200);
    assert.equal((await appendBatch(b, [0, 1, 2].map((i) => makeSubmission(i, { salt: 'b' })))).status, 200);
    file = join(dir, 'probe.whl');
    writeFileSync(file, 'a file neither log has\n');
  });
  after(async () => {
    await Promise.all([a?.kill(), b?.kill()]);
    removeDir(dir);
  });

  it('same size, different roots: refused with both checkpoints, the pin kept', async () => {
    const home = join(dir, 'home1');
    assert.equal((await stamplog(['check', file, '--log', a.url], { home })).code, 21); // pins A at size 3
    const pinned = await new TrustStore(home).get(ORIGIN);
    const r = await stamplog(['check', file, '--log', b.url], { home });
    assert.equal(r.code, 20, show(r));
    assert.match(r.stderr, /REFUSED: the log split\.example\/log is not consistent/);
    assert.match(r.stderr, /two different roots for the same tree size 3/);
    assert.ok(r.stderr.includes(rootLine(await checkpointOf(a))), 'prints the pinned checkpoint');
    assert.ok(r.stderr.includes(rootLine(await checkpointOf(b))), 'prints the offered checkpoint');
    assert.deepEqual(await new TrustStore(home).get(ORIGIN), pinned);
    assert.equal(readdirSync(join(home, 'evidence')).length, 1);
  });

  it('a larger other view: the consistency proof fails, and append writes no receipt', async () => {
    assert.equal((await appendBatch(b, [3, 4].map((i) => makeSubmission(i, { salt: 'b' })))).status, 200);
    const home = join(dir, 'home2');
    assert.equal((await stamplog(['check', file, '--log', a.url], { home })).code, 21);
    const r = await stamplog(['check', file, '--log', b.url], { home });
    assert.equal(r.code, 20, show(r));
    assert.match(r.stderr, /consistency proof from size 3 to 5 does not verify/);
    assert.match(r.stderr, /pinned checkpoint \(size 3[\s\S]*offered checkpoint \(size 5\)/);

    const f = join(dir, 'new-1.0.tar.gz');
    writeFileSync(f, 'appended to the other view\n');
    const ap = await stamplog(['append', f, '--project', 'new', '--version', '1.0', '--log', b.url, '--token', b.token], { home });
    assert.equal(ap.code, 20, show(ap));
    assert.equal(existsSync(`${f}.tlog-proof`), false, 'no receipt from an inconsistent log');
  });

  it('a smaller other view cannot prove itself a prefix of the pinned tree: refused', async () => {
    const home = join(dir, 'home3');
    assert.equal((await stamplog(['check', file, '--log', b.url], { home })).code, 21); // pins B at size ≥ 5
    const r = await stamplog(['check', file, '--log', a.url], { home });
    assert.equal(r.code, 20, show(r));
    assert.match(r.stderr, /cannot prove that its tree of 3 leaves is a prefix of the tree of \d+ leaves/);
  });

  it('the honest log, re-checked after it grew, is consistent and advances the pin', async () => {
    const home = join(dir, 'home1');
    assert.equal((await appendBatch(a, [5, 6].map((i) => makeSubmission(i, { salt: 'a' })))).status, 200);
    const r = await stamplog(['check', file, '--log', a.url], { home });
    assert.equal(r.code, 21, show(r));
    assert.match(r.stdout, /tree size 5, consistent with the trust store/);
  });
});
