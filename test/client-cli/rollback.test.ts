/**
 * Rollback: a log that serves a tree smaller than one the client pinned (its data restored from an older copy,
 * or a stale view) is named as such by `stamplog check` (exit 20, both sizes), not taken at its word ("not
 * logged", 21). The smaller checkpoints are real ones the REAL server signed earlier (size 0 at start, size 2),
 * served by a proxy in front of it that forwards everything else; the log itself can prove them prefixes.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { getText, listenLoopback, removeDir, startServer, tempDir } from '../helpers/server.ts';
import type { RunningServer } from '../helpers/server.ts';
import { TrustStore } from '../../src/client/truststore.ts';
import { stamplog, show } from './helpers.ts';

describe('stamplog check names a rollback of the log', () => {
  let srv: RunningServer;
  let proxy: Server;
  let proxyUrl: string;
  let dir: string;
  /** What the proxy serves as /checkpoint (undefined: the real one). */
  let served: string | undefined;
  const older: Record<number, string> = {};
  const files: string[] = [];

  before(async () => {
    dir = tempDir('stamplog-rollback-');
    srv = await startServer();
    older[0] = (await getText(srv, '/checkpoint')).text;
    assert.match(older[0], /^example\.test\/log\n0\n/);
    for (let i = 0; i < 5; i++) {
      const f = join(dir, `demo-1.${i}.tar.gz`);
      writeFileSync(f, `release ${i}\n`);
      files.push(f);
      const r = await stamplog(['append', f, '--project', 'demo', '--version', `1.${i}`, '--log', srv.url, '--token', srv.token], { home: join(dir, 'appender') });
      assert.equal(r.code, 0, show(r));
      if (i === 1) older[2] = (await getText(srv, '/checkpoint')).text;
    }
    assert.match(older[2], /^example\.test\/log\n2\n/);
    proxy = createServer((req, res) => {
      void (async () => {
        if (req.url === '/checkpoint' && served !== undefined) {
          res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(served);
          return;
        }
        const upstream = await fetch(`${srv.url}${req.url ?? '/'}`, { method: req.method });
        res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'application/octet-stream' });
        res.end(Buffer.from(await upstream.arrayBuffer()));
      })().catch(() => res.destroy());
    });
    proxyUrl = await listenLoopback(proxy);
  });
  after(async () => {
    proxy?.close();
    await srv?.kill();
    removeDir(dir);
  });

  for (const size of [2, 0]) {
    it(`a checkpoint of size ${size} after one of size 5 was pinned: exit 20 naming the rollback and both sizes, the pin kept`, async () => {
      const home = join(dir, `home-${size}`);
      served = undefined;
      const first = await stamplog(['check', files[4], '--log', proxyUrl], { home });
      assert.equal(first.code, 0, show(first));
      const pinned = await new TrustStore(home).get('example.test/log');
      assert.match(pinned?.checkpoint ?? '', /^example\.test\/log\n5\n/);

      served = older[size];
      const r = await stamplog(['check', files[4], '--log', proxyUrl], { home });
      assert.equal(r.code, 20, show(r));
      assert.doesNotMatch(r.stderr, /NOT LOGGED/);
      assert.match(r.stderr, new RegExp(`ROLLBACK: the log's current checkpoint has tree size ${size}, smaller than the tree size 5`));
      assert.ok(r.stderr.includes(older[size].split('\n')[2]), 'prints the offered checkpoint');
      assert.deepEqual(await new TrustStore(home).get('example.test/log'), pinned);
      assert.equal(readdirSync(join(home, 'evidence')).length, 1);
      // An entry inside the older tree is refused the same way: the log is not trusted to answer at all.
      const early = await stamplog(['check', files[0], '--log', proxyUrl], { home });
      assert.equal(early.code, 20, show(early));
    });
  }
});
