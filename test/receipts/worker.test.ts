// The receipt thread writes exactly the bytes the log's thread writes, and refuses to write receipts against a
// checkpoint or leaves its replica does not hold.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryTree } from '../../src/merkle/memory.ts';
import { isStamplogError } from '../../src/base/errors.ts';
import { RECEIPT_THREAD_MIN } from '../../src/receipts/answers.ts';
import { ReceiptWorker, packItems, unpackItems } from '../../src/receipts/worker.ts';
import { createServer } from 'node:http';
import { createApp } from '../../src/http/app.ts';
import { parseToken } from '../../src/http/auth.ts';
import { submissionToJSON } from '../../src/leaf/index.ts';
import { listenLoopback } from '../helpers/server.ts';
import { artifact, openMemoryLog } from '../log/fixtures.ts';

const text = (body: string | Uint8Array) => (typeof body === 'string' ? body : Buffer.from(body).toString('latin1'));

describe('receipt thread', () => {
  it('answers batch bodies byte for byte equal to the in-thread ones, for new entries, duplicates and non-ASCII text', async () => {
    const plain = (await openMemoryLog()).log;
    const threaded = (await openMemoryLog({ config: { receiptThread: true } })).log;
    try {
      const unicode = (i: number) => {
        const a = artifact(i);
        return { ...a, subject: { ...a.subject, filename: `caf\u00e9-${i}-\u{1F600}.tar.gz` } };
      };
      const rounds = [
        Array.from({ length: 300 }, (_, i) => artifact(i)),
        [...Array.from({ length: 100 }, (_, i) => artifact(1000 + i)), artifact(5), artifact(1000), ...Array.from({ length: 10 }, (_, i) => unicode(i))],
        Array.from({ length: RECEIPT_THREAD_MIN - 1 }, (_, i) => artifact(2000 + i)), // below the threshold: in-thread
        Array.from({ length: 1000 }, (_, i) => artifact(3000 + i)),
      ];
      for (const subs of rounds) {
        const a = await plain.append(subs, { receipts: 'receipts' });
        const b = await threaded.append(subs, { receipts: 'receipts' });
        assert.equal(typeof b.body === 'string', subs.length < RECEIPT_THREAD_MIN);
        assert.equal(text(b.body), text(a.body));
        assert.equal(b.duplicates, a.duplicates);
        assert.equal(b.count, subs.length);
        assert.equal(JSON.parse(text(b.body)).receipts.length, subs.length);
      }
      // Without its thread (closed, or failed) the log writes the same receipts itself.
      await threaded.close();
      const subs = Array.from({ length: 200 }, (_, i) => artifact(5000 + i));
      const a = await plain.append(subs, { receipts: 'receipts' });
      const b = await threaded.append(subs, { receipts: 'receipts' });
      assert.equal(typeof b.body, 'string');
      assert.equal(text(b.body), text(a.body));
    } finally {
      await threaded.close();
    }
  });

  it('answers through express (a chunked batch request) with the same bytes as the log writes in-thread', async () => {
    const tokens = [parseToken('alice:receipt-thread-secret-0123')];
    const plain = (await openMemoryLog()).log;
    const threaded = (await openMemoryLog({ config: { receiptThread: true } })).log;
    const servers = [createServer(createApp({ log: plain, tokens })), createServer(createApp({ log: threaded, tokens }))];
    try {
      const urls = await Promise.all(servers.map((s) => listenLoopback(s)));
      const body = JSON.stringify({ entries: Array.from({ length: 150 }, (_, i) => submissionToJSON(artifact(7000 + i))) });
      const post = async (url: string) => {
        const res = await fetch(`${url}/api/v1/entries/batch`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: 'Bearer receipt-thread-secret-0123' },
          body: new Blob([body]).stream(), // no Content-Length: express, not the fast path
          duplex: 'half',
        } as RequestInit);
        return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
      };
      const [a, b] = [await post(urls[0]), await post(urls[1])];
      assert.equal(a.status, 200);
      assert.deepEqual(b, a);
      assert.equal(JSON.parse(b.text).receipts.length, 150);
    } finally {
      for (const s of servers) s.close();
      await threaded.close();
    }
  });

  it('packs and unpacks items unchanged', () => {
    const items = [
      { index: 0, leaf: new Uint8Array([1, 2, 3]), entryJSON: '{"v":1}', duplicate: false },
      { index: 2 ** 40 + 3, leaf: new Uint8Array(0), entryJSON: '', duplicate: true },
    ];
    assert.deepEqual([...unpackItems(packItems(items))], items);
  });

  it('refuses a checkpoint whose root is not the replica\'s, and leaves the replica does not hold', async () => {
    const tree = new MemoryTree();
    for (let i = 0; i < 10; i++) tree.append(Uint8Array.of(i));
    const worker = new ReceiptWorker(tree);
    try {
      const note = 'unused';
      const bad = (why: RegExp) => (e: unknown) => isStamplogError(e, 'INTERNAL') && why.test(e.message);
      await assert.rejects(worker.body([{ index: 0, leaf: Uint8Array.of(0), entryJSON: '{}', duplicate: false }], 10, new Uint8Array(32), note), bad(/root at size 10 differs/));
      await assert.rejects(worker.body([{ index: 3, leaf: Uint8Array.of(4), entryJSON: '{}', duplicate: false }], 10, tree.root(), note), bad(/leaf 3 is not the replica's leaf 3/));
      await assert.rejects(worker.body([], 11, tree.root(), note), bad(/beyond the replica/));
      // Leaves sent out of order break the replica for good.
      worker.appended(12, [new Uint8Array(32)]);
      await assert.rejects(worker.body([], 10, tree.root(), note), bad(/leaves from 12 sent to a replica of size 10/));
    } finally {
      await worker.close();
    }
  });
});
