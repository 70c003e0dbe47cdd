/**
 * The receipt thread's body (see worker.ts): a replica of the log's tree, grown by the leaf hashes the
 * sequencer appends, and a ReceiptWriter over it. Each request names the checkpoint (size, root, note) and the
 * items; the answer is the whole `{"receipts": [ … ]}` body as bytes, or an error.
 *
 * It trusts nothing it can check: the replica's root at the checkpoint's size must equal the signed root, and
 * each item's leaf bytes must hash to the replica's leaf hash at its index, before a receipt is written.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { hashEqual, leafHash, MemoryTree } from '../merkle/index.ts';
import { BODY_CLOSE, BODY_OPEN, ReceiptWriter } from './writer.ts';
import type { FromReceiptThread, ReceiptThreadData, ToReceiptThread } from './worker.ts';
import { unpackItems } from './worker.ts';

const port = parentPort;
if (port === null) throw new Error('thread.ts runs only as a worker');
const data = workerData as ReceiptThreadData;
const tree = MemoryTree.fromSnapshot(data.size, new Uint8Array(data.stored));
const writer = new ReceiptWriter(tree);
/** Set when the replica can no longer be trusted: every later request fails with it. */
let broken: string | undefined;

function answer(m: Extract<ToReceiptThread, { kind: 'receipts' }>): FromReceiptThread {
  if (broken !== undefined) throw new Error(broken);
  if (m.size > tree.size) throw new Error(`checkpoint size ${m.size} is beyond the replica (${tree.size})`);
  if (!hashEqual(tree.rootAt(m.size), new Uint8Array(m.root))) throw new Error(`the replica's root at size ${m.size} differs from the checkpoint's`);
  // The body is written straight into bytes as each receipt is made: ASCII text (src/base/json.ts), so its latin1
  // bytes are its UTF-8 bytes; no joined string is ever built. Its own ArrayBuffer, so it can be transferred.
  // A first guess at the size: a receipt is a few times its packed item (grown below when it is not enough).
  let bytes = Buffer.allocUnsafeSlow(4096 + 4 * m.items.byteLength);
  let at = bytes.write(BODY_OPEN, 0, 'latin1');
  let first = true;
  for (const item of unpackItems(new Uint8Array(m.items))) {
    const hash = leafHash(item.leaf);
    if (item.index >= m.size || !tree.leafHashEquals(item.index, hash)) throw new Error(`leaf ${item.index} is not the replica's leaf ${item.index}`);
    const text = (first ? '' : ',') + writer.write({ ...item, leafHash: hash }, m.size, m.note);
    first = false;
    if (at + text.length + BODY_CLOSE.length > bytes.length) {
      const bigger = Buffer.allocUnsafeSlow(2 * (at + text.length + BODY_CLOSE.length));
      bytes.copy(bigger, 0, 0, at);
      bytes = bigger;
    }
    at += bytes.write(text, at, 'latin1');
  }
  at += bytes.write(BODY_CLOSE, at, 'latin1');
  return { id: m.id, body: bytes.buffer as ArrayBuffer, length: at };
}

port.on('message', (m: ToReceiptThread) => {
  if (m.kind === 'close') {
    port.close(); // nothing else keeps this thread alive: it exits once this message is handled
    return;
  }
  if (m.kind === 'leaves') {
    if (m.from !== tree.size) {
      broken ??= `leaves from ${m.from} sent to a replica of size ${tree.size}`;
      return;
    }
    const hashes = new Uint8Array(m.hashes);
    for (let at = 0; at < hashes.length; at += 32) tree.appendLeafHash(hashes.subarray(at, at + 32));
    return;
  }
  let reply: FromReceiptThread;
  try {
    reply = answer(m);
  } catch (e) {
    reply = { id: m.id, error: e instanceof Error ? e.message : String(e) };
  }
  if ('body' in reply) port.postMessage(reply, [reply.body]);
  else port.postMessage(reply);
});
