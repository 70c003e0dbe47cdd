/**
 * Backfill: reading PyPI JSON API and PEP 691 documents, the synthetic corpus, and `stamplog backfill` end to
 * end against a REAL server — interrupted (SIGINT, then SIGKILL) and resumed without a duplicate entry.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, request } from 'node:http';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, getJson, removeDir, startServer, tempDir, treeSize, waitFor } from '../helpers/server.ts';
import type { RunningServer } from '../helpers/server.ts';
import { recordsFromDocument, versionFromFilename } from '../../src/ingest/pypi.ts';
import { syntheticCorpus } from '../../src/ingest/corpus.ts';
import { stamplog, show } from './helpers.ts';

describe('reading index documents', () => {
  it('reads versions from wheel, egg and sdist filenames, or says it cannot', () => {
    assert.equal(versionFromFilename('requests', 'requests-2.32.3-py3-none-any.whl'), '2.32.3');
    assert.equal(versionFromFilename('zope.interface', 'zope.interface-6.0-cp311-cp311-manylinux_2_17_x86_64.whl'), '6.0');
    assert.equal(versionFromFilename('Django', 'Django-4.2.1.tar.gz'), '4.2.1');
    assert.equal(versionFromFilename('python-dateutil', 'python_dateutil-2.9.0.post0.tar.gz'), '2.9.0.post0');
    assert.equal(versionFromFilename('foo-bar', 'foo-bar-1.0-rc1.zip'), '1.0-rc1');
    assert.equal(versionFromFilename('setuptools', 'setuptools-0.6c11-py2.7.egg'), '0.6c11');
    assert.equal(versionFromFilename('requests', 'other-1.0.tar.gz'), undefined);
    assert.equal(versionFromFilename('requests', 'requests-1.0.exe'), undefined);
    assert.equal(versionFromFilename('requests', 'requests.tar.gz'), undefined);
  });

  it('reads a PyPI JSON API document: every release, backfill claims, upload times; skips what it cannot log', () => {
    const doc = {
      info: { name: 'demo', version: '2.0' },
      releases: {
        '1.0': [{ filename: 'demo-1.0.tar.gz', digests: { sha256: 'a'.repeat(64) }, size: 10, upload_time_iso_8601: '2010-01-02T03:04:05.678901Z' }],
        '2.0': [
          { filename: 'demo-2.0-py3-none-any.whl', digests: { sha256: 'b'.repeat(64) }, size: 20, upload_time: '2011-01-02T03:04:05' },
          { filename: 'demo-2.0.tar.gz', digests: { md5: 'x' }, size: 30 },
          { filename: 'demo-2.0.zip', digests: { sha256: 'not hex' }, size: 30 },
        ],
      },
    };
    const { records, skipped } = recordsFromDocument(doc, 'demo.json');
    assert.deepEqual(
      records.map((r) => r.json),
      [
        { kind: 'artifact', subject: { project: 'demo', version: '1.0', filename: 'demo-1.0.tar.gz', sha256: 'a'.repeat(64), size: 10 }, claims: { uploadedAt: '2010-01-02T03:04:05.678901Z', backfill: true } },
        { kind: 'artifact', subject: { project: 'demo', version: '2.0', filename: 'demo-2.0-py3-none-any.whl', sha256: 'b'.repeat(64), size: 20 }, claims: { uploadedAt: '2011-01-02T03:04:05Z', backfill: true } },
      ],
    );
    assert.deepEqual(
      skipped.map((s) => [s.filename, /sha256/.test(s.reason)]),
      [
        ['demo-2.0.tar.gz', true],
        ['demo-2.0.zip', true],
      ],
    );
    assert.equal(records[0].sub.claims?.backfill, true);
    // PyPI's spelling goes to the log as it is (microseconds; a legacy time without a zone gets its Z): the
    // submission keeps milliseconds.
    assert.deepEqual(
      records.map((r) => r.sub.claims?.uploadedAt),
      [Date.UTC(2010, 0, 2, 3, 4, 5, 678), Date.UTC(2011, 0, 2, 3, 4, 5)],
    );
    // The per-version document has only `urls`.
    const one = recordsFromDocument({ info: { name: 'demo', version: '3.0' }, urls: [{ filename: 'demo-3.0.tar.gz', digests: { sha256: 'c'.repeat(64) }, size: 1 }] }, 'v.json');
    assert.equal(one.records[0].json.subject.version, '3.0');
    assert.deepEqual(one.records[0].json.claims, { backfill: true });
  });

  it('reads a PEP 691 document, versions from filenames; refuses documents of neither kind', () => {
    const doc = {
      meta: { 'api-version': '1.1' },
      name: 'demo',
      files: [
        { filename: 'demo-1.0.tar.gz', url: 'x', hashes: { sha256: 'a'.repeat(64) }, size: 10, 'upload-time': '2010-01-02T03:04:05Z' },
        { filename: 'demo-1.0-py3-none-any.whl', url: 'x', hashes: { sha256: 'b'.repeat(64) } },
        { filename: 'demo.exe', url: 'x', hashes: { sha256: 'c'.repeat(64) }, size: 1 },
      ],
    };
    const { records, skipped } = recordsFromDocument(doc, 'simple.json');
    assert.equal(records.length, 1);
    assert.equal(records[0].json.subject.version, '1.0');
    assert.deepEqual(
      skipped.map((s) => s.reason),
      ['no size', 'no version (not in the document, not readable from the filename)'],
    );
    assert.throws(() => recordsFromDocument({ hello: 1 }, 'x.json'), /neither a PyPI JSON API document/);
  });

  it('the synthetic corpus is deterministic, complete and readable in both formats', () => {
    for (const format of ['pypi', 'pep691'] as const) {
      const docs = [...syntheticCorpus({ files: 250, perProject: 100, format, seed: 't' })];
      assert.equal(docs.length, 3);
      const records = docs.flatMap((d) => {
        const parsed = recordsFromDocument(d.doc, d.name);
        assert.deepEqual(parsed.skipped, []);
        return parsed.records;
      });
      assert.equal(records.length, 250);
      assert.equal(new Set(records.map((r) => r.json.subject.sha256)).size, 250);
      assert.equal(new Set(records.map((r) => r.json.subject.filename)).size, 250);
      assert.deepEqual(JSON.stringify([...syntheticCorpus({ files: 250, perProject: 100, format, seed: 't' })]), JSON.stringify(docs));
    }
  });
});

/**
 * A proxy in front of `target` that holds every request `delayMs` before forwarding it: a slow link, so that an
 * interrupted backfill is interrupted mid-run however fast this machine is.
 */
async function slowProxy(target: string, delayMs: number): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      setTimeout(() => {
        const out = request(`${target}${req.url ?? '/'}`, { method: req.method, headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        out.on('error', () => res.destroy());
        out.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('stamplog backfill against a real server', () => {
  let srv: RunningServer;
  let slow: { url: string; server: Server };
  let dir: string;
  let home: string;
  const FILES = 6000;

  before(async () => {
    dir = tempDir('stamplog-backfill-');
    home = join(dir, 'home');
    srv = await startServer();
    slow = await slowProxy(srv.url, 25);
    const r = await stamplog(['corpus', '--files', String(FILES), '--per-project', '60', '--out', join(dir, 'corpus')], { home });
    assert.equal(r.code, 0, show(r));
    assert.equal(readdirSync(join(dir, 'corpus')).length, FILES / 60);
  });
  after(async () => {
    slow?.server.closeAllConnections();
    slow?.server.close();
    await srv?.kill();
    removeDir(dir);
  });

  const args = (url = srv.url) => ['backfill', join(dir, 'corpus'), '--log', url, '--token', srv.token, '--state', join(dir, 'state.json'), '--batch', '50', '--concurrency', '2'];
  const doneBatches = () => {
    try {
      return (JSON.parse(readFileSync(join(dir, 'state.json'), 'utf8')) as { done: string[] }).done.filter((d) => d !== '').length;
    } catch {
      return 0;
    }
  };

  /** Starts a backfill through the slow link and sends `signal` once the state file records at least `batches` batches. */
  async function interrupted(signal: NodeJS.Signals, batches: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'src/cli/main.ts'), ...args(slow.url)], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, STAMPLOG_HOME: home, STAMPLOG_TOKEN: '' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const closed = new Promise<number | null>((ok) => child.once('close', ok));
    try {
      await waitFor(() => doneBatches() >= batches || child.exitCode !== null, `${batches} acknowledged batches`, 30_000, 10);
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const code = await Promise.race([closed, new Promise<'timeout'>((ok) => (timer = setTimeout(() => ok('timeout'), 30_000)))]);
      clearTimeout(timer);
      assert.notEqual(code, 'timeout', `the backfill did not exit within 30 s of ${signal}`);
      return { code: code === 'timeout' ? null : code, stdout, stderr };
    } finally {
      child.kill('SIGKILL');
    }
  }

  it('SIGINT stops after the batches in flight, saves the state and exits 130', async () => {
    const r = await interrupted('SIGINT', 10);
    assert.equal(r.code, 130, show(r));
    assert.match(r.stdout, /backfill: INTERRUPTED/);
    const size = await treeSize(srv);
    assert.ok(size > 0 && size < FILES, `partly ingested (${size})`);
    assert.equal(doneBatches() * 50, size, 'the state file records exactly what the log acknowledged');
  });

  it('SIGKILL mid-run, then a resume: every record exactly once', async () => {
    const before = doneBatches();
    const r = await interrupted('SIGKILL', before + 20);
    assert.equal(r.code, null, `killed, not finished: ${show(r)}`);
    const resumed = await stamplog(args(), { home });
    assert.equal(resumed.code, 0, show(resumed));
    assert.match(resumed.stdout, /backfill: done: 100 documents, 6,000 records in 120 batches/);
    assert.match(resumed.stdout, /[1-9][0-9,]* resumed from the state file/);
    assert.match(resumed.stdout, /log size 6,000, consistent with the trust store/);
    assert.equal(await treeSize(srv), FILES, 'no duplicate entries');
    assert.equal(doneBatches(), 120);
  });

  it('a complete re-run sends nothing; the entries carry the backfill claims', async () => {
    const again = await stamplog(args(), { home });
    assert.equal(again.code, 0, show(again));
    assert.match(again.stdout, /0 new entries, 0 already logged, 6,000 resumed from the state file/);
    const hit = await getJson<{ entries: { entry: { claims: unknown; subject: { version: string } } }[] }>(srv, '/api/v1/search?filename=synth_stamplog_0-1.0.0.tar.gz');
    assert.deepEqual(hit.body.entries[0].entry.claims, { uploadedAt: '2005-01-01T00:00:00.123Z', backfill: true });
    assert.equal(hit.body.entries[0].entry.subject.version, '1.0.0');
  });

  it('reads PEP 691 documents from a URL; without a state file the log still deduplicates', async () => {
    const [doc] = [...syntheticCorpus({ files: 30, perProject: 30, format: 'pep691', seed: 'url' })];
    const web = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' }).end(JSON.stringify(doc.doc));
    });
    await new Promise<void>((ok) => web.listen(0, '127.0.0.1', ok));
    try {
      const url = `http://127.0.0.1:${(web.address() as AddressInfo).port}/simple/synth-url-0/`;
      const common = ['backfill', url, '--log', srv.url, '--token', srv.token, '--no-progress'];
      const r = await stamplog([...common, '--state', join(dir, 'url-state.json')], { home });
      assert.equal(r.code, 0, show(r));
      assert.match(r.stdout, /30 new entries/);
      const fresh = await stamplog([...common, '--state', join(dir, 'other-state.json')], { home });
      assert.match(fresh.stdout, /0 new entries, 30 already logged/, show(fresh));
      assert.equal(await treeSize(srv), FILES + 30);
      assert.ok(existsSync(join(dir, 'other-state.json')));
    } finally {
      await new Promise<void>((ok) => web.close(() => ok()));
    }
  });
});
