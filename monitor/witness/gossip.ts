/**
 * Gossip of tree heads between monitors (DESIGN §6), over plain HTTP/JSON:
 *
 *   GET  /gossip/<origin, percent-encoded>  → { "checkpoints": [ { "note": "<signed note>", "url": "<tiles URL>" } ] }
 *   POST /gossip   { "checkpoints": [ … as above … ], "evidence": [ <evidence.ts files> ] }  → { "results": [ … ] }
 *   GET  /evidence → { "evidence": [ … ] }
 *
 * `url` is a hint: where the sender fetched that tree's tiles. Nothing received is trusted: a checkpoint must
 * verify with the policy's key for its origin, and is then compared with every checkpoint this monitor holds for
 * the log (its follower's latest and the best one gossip gave it), each pair decided from the larger tree's
 * tiles (findings/ checkConsistency) fetched from any known source (hints, the followed log); the tile reader
 * authenticates against the larger checkpoint's root, so a wrong source simply fails. An inconsistent pair
 * becomes evidence (EvidenceLog: verified, stored, alerted, pushed to peers); a pair no source can decide stays
 * unresolved and is retried with the next round. Evidence received is verified before it is stored.
 *
 * Every `intervalMs` a round pulls each peer's checkpoints and evidence, then pushes this monitor's views; new
 * evidence is pushed at once. Per origin, comparing and updating the stored best checkpoint is serialised.
 */
import { StamplogError, isStamplogError } from '../../src/base/index.ts';
import { openCheckpoint } from '../../src/note/index.ts';
import type { MonitoredLog } from '../config.ts';
import { checkConsistency } from '../findings/index.ts';
import type { Evidence, SignedCheckpoint, EvidenceLog } from '../findings/index.ts';
import { joinUrl, request, TileClient } from '../../src/client/index.ts';
import { KeyedMutex } from './mutex.ts';
import { key } from '../state/index.ts';
import type { MonitorStore } from '../state/index.ts';

/** One gossiped checkpoint and where its tiles may be fetched. */
export interface GossipItem {
  note: string;
  url?: string;
}

/** What became of a received checkpoint. */
export type GossipOutcome = 'consistent' | 'evidence' | 'unresolved' | 'unknown-origin' | 'rejected';

/** Most items accepted in one POST. */
const MAX_ITEMS = 64;
const MAX_GOSSIP_BYTES = 4 << 20;

interface Held extends SignedCheckpoint {
  url?: string;
}

function checkItem(v: unknown): GossipItem {
  const i = v as GossipItem;
  if (typeof i !== 'object' || i === null || typeof i.note !== 'string' || (i.url !== undefined && typeof i.url !== 'string')) throw new Error('not a gossip item');
  return i;
}

export interface GossipDeps {
  logs: readonly MonitoredLog[];
  store: MonitorStore;
  evidence: EvidenceLog;
  /** Peer monitors' base URLs. */
  peers?: readonly string[];
  /** The latest checkpoint each followed log's follower has proven, and that log's URL. */
  followed?: (origin: string) => Promise<Held | undefined>;
  /** Operational messages (unreachable peers…). */
  warn?: (msg: string) => void;
}

export class Gossip {
  readonly #logs: ReadonlyMap<string, MonitoredLog>;
  readonly #deps: GossipDeps;
  readonly #mutex = new KeyedMutex();
  readonly #peers: string[];
  /** Pending (unresolved) items per origin, retried each round. */
  readonly #pending = new Map<string, Map<string, GossipItem>>();

  constructor(deps: GossipDeps) {
    this.#logs = new Map(deps.logs.map((l) => [l.origin, l]));
    this.#deps = deps;
    this.#peers = (deps.peers ?? []).map((p) => p.replace(/\/+$/, ''));
    deps.evidence.onNew((e) => void this.#pushEvidence(e));
  }

  #warn(msg: string): void {
    this.#deps.warn?.(msg);
  }

  /** This monitor's checkpoints for `origin` (follower's latest, gossip's best), as served at GET /gossip/<origin>. */
  async views(origin: string): Promise<GossipItem[]> {
    const out: GossipItem[] = [];
    for (const h of await this.#held(origin)) out.push(h.url === undefined ? { note: h.note } : { note: h.note, url: h.url });
    return out;
  }

  async #held(origin: string): Promise<Held[]> {
    const log = this.#logs.get(origin);
    if (log === undefined) return [];
    const out: Held[] = [];
    const f = await this.#deps.followed?.(origin);
    if (f !== undefined) out.push(f);
    const best = await this.#deps.store.getRecord(key('gossip', origin), checkItem);
    if (best !== undefined) {
      const cp = openCheckpoint(best.note, log.verifier, { origin }).checkpoint;
      if (!out.some((h) => h.note === best.note)) out.push({ note: best.note, checkpoint: cp, ...(best.url === undefined ? {} : { url: best.url }) });
    }
    return out;
  }

  /**
   * Verifies and compares one received checkpoint with everything held for its log (see the module comment).
   * `from` names the sender for alerts.
   */
  receive(item: GossipItem, from: string): Promise<GossipOutcome> {
    let origin: string;
    try {
      origin = checkItem(item).note.split('\n', 1)[0];
    } catch {
      return Promise.resolve('rejected');
    }
    const log = this.#logs.get(origin);
    if (log === undefined) return Promise.resolve('unknown-origin');
    return this.#mutex.run(origin, () => this.#receive(log, item, from));
  }

  async #receive(log: MonitoredLog, item: GossipItem, from: string): Promise<GossipOutcome> {
    let got: Held;
    try {
      const cp = openCheckpoint(item.note, log.verifier, { origin: log.origin }).checkpoint;
      got = { note: item.note, checkpoint: cp, ...(item.url === undefined ? {} : { url: item.url }) };
    } catch (e) {
      if (isStamplogError(e)) return 'rejected';
      throw e;
    }
    const held = await this.#held(log.origin);
    let unresolved = false;
    for (const h of held) {
      const outcome = await this.#compare(log, h, got, from);
      if (outcome === 'evidence') {
        this.#pendingOf(log.origin).delete(item.note);
        return 'evidence';
      }
      if (outcome === 'unresolved') unresolved = true;
    }
    if (unresolved) {
      const pending = this.#pendingOf(log.origin);
      if (pending.size < 256) pending.set(item.note, item);
      return 'unresolved';
    }
    this.#pendingOf(log.origin).delete(item.note);
    // Consistent with everything held: keep it if it is the largest gossip has seen.
    const best = await this.#deps.store.getRecord(key('gossip', log.origin), checkItem);
    const bestSize = best === undefined ? -1 : openCheckpoint(best.note, log.verifier, { origin: log.origin }).checkpoint.size;
    if (got.checkpoint.size > bestSize) {
      await this.#deps.store.batch().putRecord(key('gossip', log.origin), item.url === undefined ? { note: item.note } : { note: item.note, url: item.url }).write();
    }
    return 'consistent';
  }

  #pendingOf(origin: string): Map<string, GossipItem> {
    let p = this.#pending.get(origin);
    if (p === undefined) {
      p = new Map();
      this.#pending.set(origin, p);
    }
    return p;
  }

  /** Decides one pair from the larger tree's tiles, trying every known source. */
  async #compare(log: MonitoredLog, a: Held, b: Held, from: string): Promise<'consistent' | 'evidence' | 'unresolved'> {
    const larger = a.checkpoint.size >= b.checkpoint.size ? a : b;
    // Equal sizes need no tiles (the roots decide); otherwise every known source of the larger tree, hint first.
    const sources: (string | undefined)[] =
      a.checkpoint.size === b.checkpoint.size
        ? [undefined]
        : [...new Set([larger.url, a.url, b.url, log.url].filter((u): u is string => u !== undefined && /^https?:\/\//.test(u)))];
    for (const src of sources) {
      const reader = () => {
        if (src === undefined) throw new StamplogError('INTERNAL', 'gossip: no tiles needed for equal sizes');
        return new TileClient(src, { timeoutMs: 5_000 }).tileReader({ size: larger.checkpoint.size, root: larger.checkpoint.rootHash });
      };
      try {
        const result = await checkConsistency(a, b, reader, { source: src ?? null, from });
        if (result.consistent) return 'consistent';
        await this.#deps.evidence.add(result.evidence, from);
        return 'evidence';
      } catch (e) {
        if (isStamplogError(e, 'CORRUPTION')) throw e;
        // This source cannot serve (or authenticate) the larger tree: try the next.
      }
    }
    return 'unresolved';
  }

  /** Handles a POST /gossip body (parsed JSON); returns per-item outcomes. */
  async handlePost(body: unknown, from: string): Promise<{ checkpoints: GossipOutcome[]; evidence: string[] }> {
    if (typeof body !== 'object' || body === null) throw new StamplogError('MALFORMED', 'gossip: body is not a JSON object');
    const b = body as { checkpoints?: unknown; evidence?: unknown };
    const items = b.checkpoints ?? [];
    const evidence = b.evidence ?? [];
    if (!Array.isArray(items) || !Array.isArray(evidence) || items.length + evidence.length > MAX_ITEMS) {
      throw new StamplogError('MALFORMED', `gossip: checkpoints and evidence must be arrays of at most ${MAX_ITEMS} items in all`);
    }
    const outcomes: GossipOutcome[] = [];
    for (const i of items) outcomes.push(await this.receive(i as GossipItem, from));
    const ev: string[] = [];
    for (const e of evidence) {
      try {
        ev.push(await this.#deps.evidence.add(e, from));
      } catch (err) {
        if (isStamplogError(err, 'CORRUPTION')) throw err;
        ev.push('rejected');
      }
    }
    return { checkpoints: outcomes, evidence: ev };
  }

  /** One round: retry pending items, pull each peer's checkpoints and evidence, push this monitor's views. */
  async round(): Promise<void> {
    for (const [, pending] of this.#pending) for (const item of [...pending.values()]) await this.receive(item, 'retry');
    const mine: GossipItem[] = [];
    for (const origin of this.#logs.keys()) mine.push(...(await this.views(origin)));
    await Promise.all(
      this.#peers.map(async (peer) => {
        try {
          for (const origin of this.#logs.keys()) {
            const got = await this.#getJson(joinUrl(peer, `gossip/${encodeURIComponent(origin)}`));
            const items = (got as { checkpoints?: unknown }).checkpoints;
            if (Array.isArray(items)) for (const i of items.slice(0, MAX_ITEMS)) await this.receive(i as GossipItem, peer);
          }
          const ev = (await this.#getJson(joinUrl(peer, 'evidence'))) as { evidence?: unknown };
          if (Array.isArray(ev.evidence)) await this.handlePost({ evidence: ev.evidence.slice(0, MAX_ITEMS) }, peer);
          if (mine.length > 0) await this.#post(peer, { checkpoints: mine.slice(0, MAX_ITEMS) });
        } catch (e) {
          if (isStamplogError(e, 'CORRUPTION')) throw e;
          this.#warn(`stamplog-monitor: gossip with ${peer} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }),
    );
  }

  async #getJson(url: string): Promise<unknown> {
    const a = await request(url, {}, { timeoutMs: 5_000, maxBytes: MAX_GOSSIP_BYTES });
    if (a.status !== 200) throw new StamplogError('INTERNAL', `${url}: HTTP ${a.status}`);
    return JSON.parse(new TextDecoder().decode(a.body));
  }

  async #post(peer: string, body: unknown): Promise<void> {
    const a = await request(joinUrl(peer, 'gossip'), { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }, { timeoutMs: 5_000, maxBytes: MAX_GOSSIP_BYTES });
    if (a.status !== 200) throw new StamplogError('INTERNAL', `${peer}/gossip: HTTP ${a.status}`);
  }

  async #pushEvidence(e: Evidence): Promise<void> {
    await Promise.all(
      this.#peers.map((peer) =>
        this.#post(peer, { evidence: [e] }).catch((err: unknown) => this.#warn(`stamplog-monitor: pushing evidence to ${peer} failed: ${err instanceof Error ? err.message : String(err)}`)),
      ),
    );
  }
}
