import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { generateSignerKey } from '../../src/note/index.ts';
import { Gossip } from '../witness/index.ts';
import { listen } from '../server.ts';
import type { Evidence } from '../findings/index.ts';
import { startFakeLog } from './fakelog.ts';
import type { FakeLog } from './fakelog.ts';
import { logsOf, openKit, policyText } from './kit.ts';
import type { Kit } from './kit.ts';

const ORIGIN = 'gossip.example/log';
const k = generateSignerKey(ORIGIN, new Uint8Array(32).fill(11));
const stranger = generateSignerKey(ORIGIN, new Uint8Array(32).fill(12));
const leaf = (s: string) => new TextEncoder().encode(s);

describe('gossip endpoints', () => {
  let kit: Kit;
  let server: Server;
  let url: string;
  let honest: FakeLog;
  let fork: FakeLog;
  let liar: FakeLog;

  before(async () => {
    honest = await startFakeLog(ORIGIN, k.signerKey);
    fork = await startFakeLog(ORIGIN, k.signerKey);
    liar = await startFakeLog(ORIGIN, stranger.signerKey);
    const logs = logsOf(policyText([{ logKey: k.verifierKey }]));
    kit = await openKit(logs);
    const gossip = new Gossip({ logs, store: kit.store, evidence: kit.evidence });
    ({ server, url } = await listen({ gossip, evidence: kit.evidence }, '127.0.0.1', 0));
  });
  after(async () => {
    server.close();
    await kit.close();
    for (const l of [honest, fork, liar]) await l.close();
  });

  const post = async (body: unknown) => {
    const res = await fetch(`${url}/gossip`, { method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body) });
    return { status: res.status, body: (await res.json()) as { checkpoints: string[]; evidence: string[] } };
  };
  const note = async (l: FakeLog) => (await fetch(`${l.url}/checkpoint`)).text();

  it('400 for a body that is not JSON or not the gossip shape', async () => {
    assert.equal((await post('{')).status, 400);
    assert.equal((await post({ checkpoints: 'x' })).status, 400);
  });

  it('rejects checkpoints not signed by the log key; ignores unknown logs', async () => {
    liar.append([leaf('x')]);
    const other = generateSignerKey('other.example/log', new Uint8Array(32).fill(13));
    const o = await startFakeLog('other.example/log', other.signerKey);
    try {
      const r = await post({ checkpoints: [{ note: await note(liar) }, { note: await note(o) }, { note: 'garbage' }] });
      assert.deepEqual(r.body.checkpoints, ['rejected', 'unknown-origin', 'unknown-origin']);
    } finally {
      await o.close();
    }
  });

  it('keeps consistent checkpoints (served back), and turns a fork into evidence', async () => {
    honest.append([leaf('a0'), leaf('a1'), leaf('a2')]);
    assert.deepEqual((await post({ checkpoints: [{ note: await note(honest), url: honest.url }] })).body.checkpoints, ['consistent']);
    honest.append([leaf('a3'), leaf('a4')]);
    assert.deepEqual((await post({ checkpoints: [{ note: await note(honest), url: honest.url }] })).body.checkpoints, ['consistent']);
    const held = (await (await fetch(`${url}/gossip/${encodeURIComponent(ORIGIN)}`)).json()) as { checkpoints: { note: string }[] };
    assert.equal(held.checkpoints[0].note, await note(honest));
    // A fork of 7 leaves from the same key: decided from the fork's tiles (its URL hint).
    fork.append(['b0', 'b1', 'b2', 'b3', 'b4', 'b5', 'b6'].map(leaf));
    assert.deepEqual((await post({ checkpoints: [{ note: await note(fork), url: fork.url }] })).body.checkpoints, ['evidence']);
    const ev = ((await (await fetch(`${url}/evidence`)).json()) as { evidence: Evidence[] }).evidence;
    assert.equal(ev.length, 1);
    // Without any source for the larger tree's tiles, nothing is decided (and nothing accused).
    fork.append([leaf('b7')]);
    assert.deepEqual((await post({ checkpoints: [{ note: await note(fork) }] })).body.checkpoints, ['unresolved']);
  });

  it('verifies evidence it is sent: known, or rejected when forged', async () => {
    const ev = ((await (await fetch(`${url}/evidence`)).json()) as { evidence: Evidence[] }).evidence[0];
    const forged = structuredClone(ev);
    forged.nodes[0].hash = Buffer.alloc(32).toString('base64');
    assert.deepEqual((await post({ evidence: [ev, forged, { type: 'nope' }] })).body.evidence, ['known', 'rejected', 'rejected']);
    assert.equal(kit.alerts.filter((a) => a.type === 'equivocation').length, 1);
  });
});
