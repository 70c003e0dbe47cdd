// Worker threads whose entry file is missing (a broken install or build): the receipt worker fails, and closing it
// must not wait for an 'exit' its thread already emitted, or the server's SIGTERM drain would hang for ever.
// The sources are copied to a temporary directory without the thread's entry file, and loaded from there.
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { MemoryTree } from '../../src/merkle/memory.ts';
import type * as receiptworker from '../../src/receipts/worker.ts';
import { REPO_ROOT, removeDir, tempDir } from '../helpers/server.ts';

describe('a receipt worker whose thread cannot start', () => {
  const dir = tempDir('stamplog-workers-');
  after(() => removeDir(dir));

  it('fails its requests and closes at once', async () => {
    cpSync(join(REPO_ROOT, 'src'), join(dir, 'src'), { recursive: true });
    rmSync(join(dir, 'src/receipts/thread.mjs'));
    const { ReceiptWorker } = (await import(pathToFileURL(join(dir, 'src/receipts/worker.ts')).href)) as typeof receiptworker;
    const tree = new MemoryTree();
    tree.append(new Uint8Array([1]));
    const worker = new ReceiptWorker(tree);
    await assert.rejects(worker.body([{ index: 0, leaf: new Uint8Array([1]), entryJSON: '{}', duplicate: false }], 1, tree.root(), 'note'), /receipt worker/);
    assert.equal(worker.failed, true);
    // The thread's 'exit' follows its 'error': let it pass, as it has long before a server drains.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    let timer: NodeJS.Timeout | undefined;
    const closed = await Promise.race([
      worker.close().then(() => 'closed'),
      new Promise((resolve) => (timer = setTimeout(() => resolve('still waiting after 5 s'), 5000))),
    ]);
    clearTimeout(timer);
    assert.equal(closed, 'closed');
  });
});
