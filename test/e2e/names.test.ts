/**
 * Names as the index means them (issue 16), against the REAL server process: search compares projects by their
 * PEP 503 key and filenames by their NFC form, while every entry keeps the spelling it was sent with.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { appendOne, getJson, makeSubmission, startServer } from '../helpers/server.ts';
import type { RunningServer } from '../helpers/server.ts';
import type { SubmissionJSON } from '../../src/leaf/index.ts';

type Page = { entries: { index: number; entry: { subject: SubmissionJSON['subject'] } }[]; next: number | null };

const NFC_NAME = 'caf\u00e9-1.0.tar.gz';
const NFD_NAME = 'cafe\u0301-1.0.tar.gz';

/** The submissions logged, in order (index = position). */
const SUBJECTS: { project: string; version: string; filename: string }[] = [
  { project: 'Requests', version: '2.0', filename: 'Requests-2.0.tar.gz' },
  { project: 'requests', version: '2.1', filename: 'requests-2.1.tar.gz' },
  { project: 'zope.interface', version: '6.0', filename: 'zope.interface-6.0.tar.gz' },
  { project: 'Zope_Interface', version: '6.1', filename: 'Zope_Interface-6.1.tar.gz' },
  { project: 'cafe', version: '1.0', filename: NFD_NAME },
  { project: 'requests-toolbelt', version: '1.0', filename: 'requests_toolbelt-1.0.tar.gz' },
];

async function search(srv: RunningServer, query: Record<string, string>): Promise<{ indexes: number[]; page: Page }> {
  const r = await getJson<Page>(srv, `/api/v1/search?${new URLSearchParams(query).toString()}`);
  assert.equal(r.status, 200, r.text);
  return { indexes: r.body.entries.map((e) => e.index), page: r.body };
}

describe('search by the index identity of names (real server)', { timeout: 120_000 }, () => {
  let srv: RunningServer;

  before(async () => {
    srv = await startServer();
    for (const [i, s] of SUBJECTS.entries()) {
      const sub = makeSubmission(i, { salt: 'names', ...s });
      const r = await appendOne(srv, sub);
      assert.equal(r.status, 201, r.text);
      assert.equal(r.body.index, i);
    }
  });
  after(async () => {
    await srv?.kill();
  });

  it('finds one project under every spelling PEP 503 equates', async () => {
    for (const project of ['requests', 'Requests', 'REQUESTS', 'ReQuEsTs']) {
      assert.deepEqual((await search(srv, { project })).indexes, [0, 1], project);
    }
    for (const project of ['zope.interface', 'Zope_Interface', 'zope-interface', 'ZOPE__.-INTERFACE', 'zope\uFF0Einterface'.normalize('NFC')]) {
      const want = project.includes('\uFF0E') ? [] : [2, 3]; // a fullwidth full stop is another character, not a separator
      assert.deepEqual((await search(srv, { project })).indexes, want, project);
    }
    // A separator is not nothing: requests-toolbelt is not requests.
    assert.deepEqual((await search(srv, { project: 'requests_toolbelt' })).indexes, [5]);
    assert.deepEqual((await search(srv, { project: 'requeststoolbelt' })).indexes, []);
  });

  it('finds a project and version under any spelling of the project, and the version as spelled', async () => {
    assert.deepEqual((await search(srv, { project: 'REQUESTS', version: '2.0' })).indexes, [0]);
    assert.deepEqual((await search(srv, { project: 'requests', version: '2.1' })).indexes, [1]);
    assert.deepEqual((await search(srv, { project: 'zope-interface', version: '6.1' })).indexes, [3]);
    assert.deepEqual((await search(srv, { project: 'requests', version: '2.00' })).indexes, []);
  });

  it('finds a filename sent in NFD by its NFC spelling, and by its own', async () => {
    assert.deepEqual((await search(srv, { filename: NFC_NAME })).indexes, [4]);
    assert.deepEqual((await search(srv, { filename: NFD_NAME })).indexes, [4]);
    // Filenames compare in NFC only, not case-folded: another case is another file.
    assert.deepEqual((await search(srv, { filename: 'requests-2.0.tar.gz' })).indexes, []);
    assert.deepEqual((await search(srv, { filename: 'Requests-2.0.tar.gz' })).indexes, [0]);
  });

  it('keeps the exact spelling the index sent in every entry', async () => {
    const { page } = await search(srv, { project: 'requests' });
    assert.deepEqual(
      page.entries.map((e) => e.entry.subject.project),
      ['Requests', 'requests'],
    );
    const byName = await search(srv, { filename: NFC_NAME });
    assert.equal(byName.page.entries[0].entry.subject.filename, NFD_NAME);
  });
});
