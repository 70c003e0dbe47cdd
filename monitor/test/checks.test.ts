import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { encodeLeaf, makeEntry, signStatement, ed25519PublicKeyForTest } from './leafkit.ts';
import { ContentChecker, decodeStrict, parseWatchFile } from '../checks/index.ts';
import type { CheckLookup, CheckOptions, FilenameRecord, ProjectRecord, WitnessedHead } from '../checks/index.ts';
import type { Alert } from '../findings/index.ts';
import type { Entry, Submission } from '../../src/leaf/index.ts';

const ORIGIN = 'example.test/log';
const T0 = 1_717_000_000_000;
const seedA = new Uint8Array(32).fill(1);
const seedB = new Uint8Array(32).fill(2);

function digest(s: string): Uint8Array {
  return createHash('sha256').update(s).digest();
}

function entry(i: number, o: { filename?: string; project?: string; content?: string; time?: number; seed?: Uint8Array; kind?: 'artifact' | 'vetting' } = {}): Entry {
  const project = o.project ?? 'proj';
  const sub: { -readonly [K in keyof Submission]: Submission[K] } = {
    kind: o.kind ?? 'artifact',
    subject: { project, version: `1.${i}`, filename: o.filename ?? `${project}-1.${i}.whl`, sha256: digest(o.content ?? `c${i}`), size: 10 + i },
  };
  if (o.kind === 'vetting') sub.verdict = 'reviewed';
  if (o.seed !== undefined) sub.sig = signStatement(o.seed, sub);
  return makeEntry(sub, o.time ?? T0 + i * 1000);
}

/** An in-memory lookup that the test applies the checker's changes to, as the follower does with LevelDB. */
class Memory {
  files = new Map<string, FilenameRecord>();
  projects = new Map<string, ProjectRecord>();
  async filenames(names: readonly string[]) {
    return names.map((n) => this.files.get(n));
  }
  async projectsOf(names: readonly string[]) {
    return names.map((n) => this.projects.get(n));
  }
}

async function run(entries: (Entry | Uint8Array)[], opts: CheckOptions = {}, heads: WitnessedHead[] = [], chunk = 3): Promise<Alert[]> {
  const mem = new Memory();
  const lookup: CheckLookup = { filenames: (n) => mem.filenames(n), projects: (n) => mem.projectsOf(n) };
  const c = new ContentChecker(ORIGIN, opts);
  for (const h of heads) c.addHead(h);
  const alerts: Alert[] = [];
  for (let at = 0; at < entries.length; at += chunk) {
    const decoded = entries.slice(at, at + chunk).map((e) => decodeStrict(e instanceof Uint8Array ? e : encodeLeaf(e)));
    await c.prefetch(decoded, lookup);
    decoded.forEach((d, j) => alerts.push(...c.check(at + j, d)));
    const ch = c.takeChanges();
    for (const [n, r] of ch.files) mem.files.set(n, r);
    for (const [n, r] of ch.projects) mem.projects.set(n, r);
  }
  return alerts;
}

describe('ContentChecker', () => {
  it('finds nothing in an honest sequence', async () => {
    const es = Array.from({ length: 20 }, (_, i) => entry(i, { seed: seedA }));
    assert.deepEqual(await run(es, {}, [{ size: 10, time: T0 + 9_500, by: 'w' }]), []);
  });

  it('reports substitution with both indexes, across chunks', async () => {
    const es = Array.from({ length: 8 }, (_, i) => entry(i));
    es[6] = entry(6, { filename: 'proj-1.1.whl', content: 'evil' });
    const alerts = await run(es);
    assert.deepEqual(alerts.map((a) => [a.type, a.indexes]), [['substitution', [1, 6]]]);
    assert.deepEqual(alerts[0].details.digests, [createHash('sha256').update('c1').digest('hex'), createHash('sha256').update('evil').digest('hex')]);
  });

  it('the same filename with the same digest is no substitution', async () => {
    const es = [entry(0), entry(1, { filename: 'proj-1.0.whl', content: 'c0', seed: seedA })];
    assert.deepEqual(await run(es), []);
  });

  it('reports a publisher key change once, not for vetting signatures', async () => {
    // Leaf 2 is a vetting entry by another key (a vetter, not a publisher): no alert for it.
    const es = [entry(0, { seed: seedA }), entry(1, { seed: seedA }), entry(2, { seed: seedB, kind: 'vetting', filename: 'proj-1.1.whl', content: 'c1' }), entry(3, { seed: seedB }), entry(4, { seed: seedB })];
    const alerts = await run(es);
    assert.deepEqual(alerts.map((a) => [a.type, a.indexes]), [['publisher-key-change', [0, 3]]]);
  });

  it('reports times going backwards beyond the tolerance', async () => {
    const es = [entry(0), entry(1), entry(2, { time: T0 - 1 }), entry(3, { time: T0 + 500 }), entry(4)];
    const alerts = await run(es, { toleranceMs: 1000 });
    assert.deepEqual(alerts.map((a) => [a.type, a.indexes]), [['time-backwards', [1, 2]]]);
  });

  it('reports leaves backdated before a witnessed head that did not hold them, and future-dated inside one', async () => {
    // Head of size 5 witnessed at T0 + 60 s: leaves 5.. must be later, leaves ..4 earlier.
    const es = Array.from({ length: 8 }, (_, i) => entry(i, { time: T0 + i * 1000 }));
    es[6] = entry(6, { time: T0 + 59_000 - 10_000 });
    es[3] = entry(3, { time: T0 + 200_000 });
    const alerts = await run(es, { toleranceMs: 5_000 }, [{ size: 5, time: T0 + 60_000, by: 'witness' }]);
    const got = alerts.filter((a) => a.type === 'backdated' || a.type === 'future-dated').map((a) => [a.type, a.indexes]);
    assert.deepEqual(got, [
      ['future-dated', [3]],
      ['backdated', [5]],
      ['backdated', [6]],
      ['backdated', [7]],
    ]);
  });

  it('reports undecodable and non-canonical leaves with their index', async () => {
    const good = encodeLeaf(entry(1));
    const trailing = new Uint8Array([...good, 0]);
    const alerts = await run([entry(0), new Uint8Array([0xff, 0x00]), trailing, entry(3)]);
    assert.deepEqual(alerts.map((a) => [a.type, a.indexes]), [['malformed-leaf', [1]], ['malformed-leaf', [2]]]);
  });

  it('maintainer watch: alerts on artifacts of watched projects not signed by the maintainer keys', async () => {
    const watch = parseWatchFile(`# maintainers\nproj ${Buffer.from(ed25519PublicKeyForTest(seedA)).toString('base64')}\n`);
    const es = [entry(0, { seed: seedA }), entry(1), entry(2, { seed: seedB }), entry(3, { seed: seedA, project: 'other' }), entry(4, { seed: seedA })];
    const alerts = (await run(es, { watch })).filter((a) => a.type === 'unauthorized-artifact');
    assert.deepEqual(alerts.map((a) => a.indexes), [[1], [2]]);
    assert.equal(alerts[1].details.signer, Buffer.from(ed25519PublicKeyForTest(seedB)).toString('base64'));
  });

  it('maintainer watch: a forged signature with the maintainer key is invalid and unauthorized', async () => {
    const watch = parseWatchFile(`proj ${Buffer.from(ed25519PublicKeyForTest(seedA)).toString('base64')}\n`);
    const good = entry(0, { seed: seedA });
    const sig = good.sig;
    assert.ok(sig);
    const forged: Entry = { ...entry(1), sig: { ...sig, sig: sig.sig.map((b, i) => (i === 0 ? b ^ 1 : b)) } };
    const alerts = await run([good, forged], { watch });
    assert.deepEqual(alerts.map((a) => [a.type, a.indexes]), [['invalid-signature', [1]], ['unauthorized-artifact', [1]]]);
  });

  it('one filename spelled in NFC and in NFD with two digests is a substitution, named as each leaf spells it', async () => {
    const nfc = 'caf\u00e9-1.0.tar.gz';
    const nfd = 'cafe\u0301-1.0.tar.gz';
    assert.notEqual(nfc, nfd);
    const es = [entry(0, { filename: nfc }), entry(1), entry(2, { filename: nfd, content: 'evil' })];
    const alerts = await run(es, {}, [], 2);
    assert.deepEqual(alerts.map((a) => [a.type, a.indexes]), [['substitution', [0, 2]]]);
    assert.equal(alerts[0].details.filename, nfd);
    // The same bytes twice under the two spellings is one file with one digest: nothing to report.
    assert.deepEqual(await run([entry(0, { filename: nfc }), entry(1, { filename: nfd, content: 'c0' })]), []);
  });

  it('a publisher key change is found across spellings of one project (PEP 503), and named as logged', async () => {
    const es = [entry(0, { seed: seedA, project: 'Foo.Bar' }), entry(1, { seed: seedA, project: 'foo_bar' }), entry(2, { seed: seedB, project: 'FOO-BAR' })];
    const alerts = await run(es, {}, [], 1);
    assert.deepEqual(alerts.map((a) => [a.type, a.indexes]), [['publisher-key-change', [0, 2]]]);
    assert.equal(alerts[0].details.project, 'FOO-BAR');
  });

  it('maintainer watch: `Requests` and `requests` are one project', async () => {
    const keyA = Buffer.from(ed25519PublicKeyForTest(seedA)).toString('base64');
    const keyB = Buffer.from(ed25519PublicKeyForTest(seedB)).toString('base64');
    const watch = parseWatchFile(`requests ${keyA}\nRequests ${keyB}\n`);
    const es = [entry(0, { seed: seedA, project: 'Requests' }), entry(1, { project: 'requests' }), entry(2, { seed: seedB, project: 'REQUESTS' }), entry(3, { project: 'Requests' })];
    const alerts = (await run(es, { watch })).filter((a) => a.type === 'unauthorized-artifact');
    assert.deepEqual(alerts.map((a) => a.indexes), [[1], [3]]);
    assert.deepEqual(alerts.map((a) => a.details.project), ['requests', 'Requests']);
  });

  it('rejects malformed watch files', () => {
    assert.throws(() => parseWatchFile('proj\n'));
    assert.throws(() => parseWatchFile('proj notbase64\n'));
  });
});
