import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createApp } from '../../src/http/app.ts';
import { fastReads } from '../../src/http/fast.ts';
import { serveWithFastPath } from '../helpers/server.ts';
import { artifact, openMemoryLog } from '../log/fixtures.ts';

describe('fastReads (inclusion proofs without express)', async () => {
  const { log } = await openMemoryLog();
  await log.append(Array.from({ length: 77 }, (_, i) => artifact(i)));
  const app = createApp({ log, tokens: [] });
  const { plainUrl, bothUrl, fastHits } = await serveWithFastPath(app, fastReads(log), app);

  const queries = [
    'index=0', 'index=76', 'index=5&size=6', 'size=77&index=40', 'index=3&size=50',
    // Everything below must fall through to express and give the same answer (errors included).
    'index=77', 'index=5&size=5', 'index=01', 'index=5&size=78', 'index=+5', 'index=5&index=6', 'index=1&foo=2',
    'index=9007199254740993', 'index=', 'leafHash=00',
  ];
  for (const q of queries) {
    it(`answers ?${q} byte for byte as the express handler does`, async () => {
      const a = await fetch(`${plainUrl}/api/v1/proofs/inclusion?${q}`);
      const b = await fetch(`${bothUrl}/api/v1/proofs/inclusion?${q}`);
      assert.equal(b.status, a.status);
      assert.equal(b.headers.get('content-type'), a.headers.get('content-type'));
      assert.equal(await b.text(), await a.text());
    });
  }

  it('served the well-formed successful queries itself', () => {
    assert.equal(fastHits(), 5);
  });
});
