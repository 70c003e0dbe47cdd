/**
 * Search rows written under an older key scheme (names as logged, before PEP 503 / NFC keys) are re-indexed once
 * when the log opens, so that every spelling finds entries logged before the upgrade too.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseSubmission } from '../../src/leaf/entry.ts';
import { SEARCH_FORMAT } from '../../src/log/searchrows.ts';
import { MemoryStore } from '../../src/store/memory.ts';
import { openMemoryLog } from './fixtures.ts';

const sub = (project: string, filename: string, n: number) =>
  parseSubmission({ kind: 'artifact', subject: { project, version: '1.0', filename, sha256: n.toString(16).padStart(64, '0'), size: n } });

describe('search row format', () => {
  it('a store without a recorded format is re-indexed under the current keys at open, once', async () => {
    const store = new MemoryStore();
    const first = await openMemoryLog({ store });
    assert.equal(await store.readSearchFormat(), SEARCH_FORMAT, 'a new log records the current format');
    await first.log.append([sub('Zope.Interface', 'Zope.Interface-1.0.tar.gz', 1), sub('requests', 'cafe\u0301-1.0.tar.gz', 2)]);
    await first.log.drain();
    await store.close();

    // As a store written by an older stamplog: no format, and no rows under today's keys.
    store.dropSearchRows();
    await store.open();
    assert.equal(await store.readSearchFormat(), 0);
    assert.deepEqual(await store.search('project', 'zope-interface', -1, 10), []);
    await store.close();

    const { log } = await openMemoryLog({ store });
    assert.equal(await store.readSearchFormat(), SEARCH_FORMAT);
    assert.deepEqual(await log.search('project', 'zope_interface', -1, 10), [0]);
    assert.deepEqual(await log.search('projectVersion', 'ZOPE-INTERFACE\u00001.0', -1, 10), [0]);
    assert.deepEqual(await log.search('filename', 'caf\u00e9-1.0.tar.gz', -1, 10), [1]);
    assert.deepEqual(await log.search('sha256', '2'.padStart(64, '0'), -1, 10), [1]);
    await log.drain();
  });

  it('refuses a store whose rows are of a newer format than this stamplog knows', async () => {
    const store = new MemoryStore();
    await store.open();
    await store.addSearchRows([], SEARCH_FORMAT + 1);
    await store.close();
    await assert.rejects(openMemoryLog({ store }), /newer than this stamplog/);
  });
});
