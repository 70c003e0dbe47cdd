// The fast receipt text writer writes the reference receipt's ASCII JSON, byte for byte.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { asciiJSON } from '../../src/base/json.ts';
import { encodeLeaf, entryJSONText, makeEntry } from '../../src/leaf/index.ts';
import { MemoryTree, leafHash } from '../../src/merkle/index.ts';
import { referenceReceipt } from '../../src/receipts/reference.ts';
import type { LoggedItem } from '../../src/receipts/reference.ts';
import { ReceiptWriter, receiptsBody } from '../../src/receipts/writer.ts';
import { artifact, openMemoryLog } from '../log/fixtures.ts';

describe('ReceiptWriter', () => {
  it('writes asciiJSON(JSON.stringify(referenceReceipt)) for every leaf of many sizes, new and duplicate, ASCII only', async () => {
    const { log } = await openMemoryLog();
    await log.append([artifact(0)]);
    const note = log.checkpoint.note; // a real signed note (its signature lines hold U+2014)
    const tree = new MemoryTree();
    const items: LoggedItem[] = [];
    for (let i = 0; i < 700; i++) {
      const sub = artifact(i);
      const entry = makeEntry(i % 5 === 0 ? { ...sub, subject: { ...sub.subject, filename: `caf\u00e9-${i}-\u{1F600}.tar.gz` } } : sub, 1_700_000_000_000 + i);
      const leaf = encodeLeaf(entry);
      const hash = leafHash(leaf);
      tree.appendLeafHash(hash);
      items.push({ index: i, entry, leaf, leafHash: hash, duplicate: i % 7 === 3 });
    }
    const writer = new ReceiptWriter(tree);
    for (const size of [1, 2, 3, 255, 256, 257, 513, 700, 300, 700]) {
      const texts: string[] = [];
      for (let i = 0; i < size; i++) {
        const item = items[i];
        const text = writer.write({ ...item, entryJSON: entryJSONText(item.entry) }, size, note);
        const expected = asciiJSON(JSON.stringify(referenceReceipt(tree, item, size, note)));
        assert.equal(text, expected, `index ${i} size ${size}`);
        texts.push(text);
      }
      assert.match(receiptsBody(texts), /^[\x20-\x7e]*$/);
    }
  });
});
