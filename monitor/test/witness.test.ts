import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Server } from 'node:http';
import { MemoryTree } from '../../src/merkle/index.ts';
import { cosignatureTimestamp, cosignatureVerifier, ed25519NoteSigner, generateCosignerKey, generateSignerKey, openNote, signCheckpoint } from '../../src/note/index.ts';
import { toBase64 } from '../../src/base/bytes.ts';
import { Gossip, Witness } from '../witness/index.ts';
import { listen } from '../server.ts';
import type { SignedCheckpoint } from '../findings/index.ts';
import { logsOf, openKit, policyText } from './kit.ts';
import type { Kit } from './kit.ts';

const ORIGIN = 'example.test/witnessed';
const logKey = generateSignerKey(ORIGIN, new Uint8Array(32).fill(3));
const strangerKey = generateSignerKey(ORIGIN, new Uint8Array(32).fill(4));
const witnessKey = generateCosignerKey('witness.example/w1', new Uint8Array(32).fill(5));
const NOW = 1_717_000_000_000;

function grow(t: MemoryTree, to: number, tag = 'a'): MemoryTree {
  for (let i = t.size; i < to; i++) t.append(new TextEncoder().encode(`${tag} ${i}`));
  return t;
}

function checkpoint(t: MemoryTree, size = t.size, key = logKey.signerKey, origin = ORIGIN): string {
  return signCheckpoint({ origin, size, rootHash: t.rootAt(size) }, [ed25519NoteSigner(key)]);
}

function body(old: number, proof: Uint8Array[], note: string): string {
  return `old ${old}\n${proof.map((h) => `${toBase64(h)}\n`).join('')}\n${note}`;
}

describe('Witness (C2SP tlog-witness add-checkpoint)', () => {
  let kit: Kit;
  let server: Server;
  let url: string;
  const equivocations: [SignedCheckpoint, SignedCheckpoint][] = [];
  const tree = grow(new MemoryTree(), 5);

  const post = async (text: string | Uint8Array) => {
    const res = await fetch(`${url}/add-checkpoint`, { method: 'POST', body: text });
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() };
  };

  before(async () => {
    const logs = logsOf(policyText([{ logKey: logKey.verifierKey }]));
    kit = await openKit(logs);
    const witness = new Witness(logs, kit.store, { signerKey: witnessKey.signerKey, clock: () => NOW, onEquivocation: (a, b) => equivocations.push([a, b]) });
    const gossip = new Gossip({ logs, store: kit.store, evidence: kit.evidence });
    ({ server, url } = await listen({ witness, gossip, evidence: kit.evidence }, '127.0.0.1', 0));
  });
  after(async () => {
    server.close();
    await kit.close();
  });

  it('404 for an unknown origin', async () => {
    const other = checkpoint(tree, 5, generateSignerKey('other.example/log', new Uint8Array(32).fill(9)).signerKey, 'other.example/log');
    assert.equal((await post(body(0, [], other))).status, 404);
  });

  it('403 for a checkpoint not signed by the log key', async () => {
    assert.equal((await post(body(0, [], checkpoint(tree, 5, strangerKey.signerKey)))).status, 403);
  });

  it('400 for malformed requests', async () => {
    const note = checkpoint(tree);
    const cases = [
      `old 01\n\n${note}`,
      `old -1\n\n${note}`,
      `old 0\n${note}`,
      `old 0\nnot base64!\n\n${note}`,
      body(0, Array.from({ length: 64 }, () => new Uint8Array(32)), note),
      body(6, [], note),
      body(0, [new Uint8Array(32)], note),
      `old 0\n\nnot a note\n`,
      'old 0',
    ];
    for (const c of cases) assert.equal((await post(c)).status, 400, JSON.stringify(c.slice(0, 40)));
  });

  it('413 for an oversized body', async () => {
    assert.equal((await post(`old 0\n\n${'x'.repeat(2 << 20)}`)).status, 413);
  });

  it('200 with a verifying cosignature, then 409 (text/x.tlog.size) for a stale old size', async () => {
    const note = checkpoint(tree);
    const ok = await post(body(0, [], note));
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.text, /^— witness\.example\/w1 \S+\n$/);
    // tlog-witness: the client may append the lines to the checkpoint and verify with the witness key.
    const v = cosignatureVerifier(witnessKey.verifierKey);
    const opened = openNote(note + ok.text, [v]);
    assert.equal(cosignatureTimestamp(opened.verified[0].signature), NOW / 1000);
    const stale = await post(body(0, [], note));
    assert.equal(stale.status, 409);
    assert.equal(stale.type, 'text/x.tlog.size');
    assert.equal(stale.text, '5\n');
  });

  it('422 for a consistency proof that does not verify, 200 for one that does', async () => {
    grow(tree, 9);
    const proof = tree.proveConsistency(5, 9);
    const bad = proof.map((h) => h.slice());
    bad[0][0] ^= 1;
    assert.equal((await post(body(5, bad, checkpoint(tree)))).status, 422);
    assert.equal((await post(body(5, proof.slice(1), checkpoint(tree)))).status, 422);
    assert.equal((await post(body(5, proof, checkpoint(tree)))).status, 200);
    // The same checkpoint again (old = size, same root): cosigned again.
    assert.equal((await post(body(9, [], checkpoint(tree)))).status, 200);
  });

  it('409 for the same size with another root, and reports the equivocation', async () => {
    const fork = grow(new MemoryTree(), 9, 'b');
    const r = await post(body(9, [], checkpoint(fork)));
    assert.equal(r.status, 409);
    assert.equal(r.text, '9\n');
    assert.equal(equivocations.length, 1);
    assert.equal(equivocations[0][0].checkpoint.size, 9);
  });

  it('two racing add-checkpoint requests never roll the stored size back', async () => {
    let stored = 9;
    for (let round = 0; round < 25; round++) {
      const small = stored + 1;
      const big = stored + 1 + (round % 7) + 1;
      grow(tree, big);
      const reqs = [small, big].map((size) => body(stored, tree.proveConsistency(stored, size), checkpoint(tree, size)));
      // Alternate which one goes first; both are in flight together.
      const order = round % 2 === 0 ? reqs : [reqs[1], reqs[0]];
      const answers = await Promise.all(order.map((b) => post(b)));
      const wins = answers.filter((a) => a.status === 200);
      const losses = answers.filter((a) => a.status === 409);
      assert.equal(wins.length, 1, `round ${round}: ${answers.map((a) => a.status).join(',')}`);
      assert.equal(losses.length, 1);
      const now = Number((await post(body(0, [], checkpoint(tree, big)))).text.trim());
      assert.ok(now === small || now === big, `round ${round}: stored ${now}`);
      assert.ok(now > stored, `round ${round}: rolled back from ${stored} to ${now}`);
      assert.equal(losses[0].text, `${now}\n`, 'the loser learns the winner\'s size');
      stored = now;
    }
  });
});
