/**
 * The monitor's durable set of evidence (evidence.ts): equivocation and rollback, keyed by the pair of
 * checkpoints it concerns (and its kind, for rollback): stored with a checksum in the state database before it
 * is alerted or served, so evidence once found survives restarts. Adding evidence verifies it first (with the
 * log's key, and for rollback evidence the policy's witness keys as the trusted signed times): nothing
 * unverified is ever stored, served or pushed, whoever sent it. New equivocation evidence is alerted as
 * `equivocation`, new rollback evidence as `rollback`.
 */
import { StamplogError, isStamplogError } from '../../src/base/index.ts';
import type { Alerter } from './alerts.ts';
import { verifyEvidence } from './evidence.ts';
import type { Evidence } from './evidence.ts';
import { key } from '../state/index.ts';
import type { MonitorStore } from '../state/index.ts';
import type { MonitoredLog } from '../config.ts';

function asEvidence(v: unknown): Evidence {
  if (typeof v !== 'object' || v === null || (v as { type?: unknown }).type !== 'stamplog-evidence/v1') throw new Error('not evidence');
  return v as Evidence;
}

export class EvidenceLog {
  readonly #store: MonitorStore;
  readonly #alerter: Alerter;
  readonly #logs: ReadonlyMap<string, MonitoredLog>;
  readonly #listeners: ((e: Evidence) => void)[] = [];
  #chain: Promise<unknown> = Promise.resolve();

  constructor(store: MonitorStore, alerter: Alerter, logs: readonly MonitoredLog[]) {
    this.#store = store;
    this.#alerter = alerter;
    this.#logs = new Map(logs.map((l) => [l.origin, l]));
  }

  /** Calls `fn` with each newly stored evidence (e.g. to push it to peers). */
  onNew(fn: (e: Evidence) => void): void {
    this.#listeners.push(fn);
  }

  /**
   * Verifies `evidence` against the key of the log it names and stores it if new (then alerts `equivocation` or
   * `rollback` and notifies listeners). Returns 'new', 'known', or throws the verification error (unknown origin:
   * NOT_FOUND).
   */
  add(evidence: unknown, source: string): Promise<'new' | 'known'> {
    const run = this.#chain.then(() => this.#add(evidence, source));
    this.#chain = run.catch(() => undefined);
    return run;
  }

  async #add(evidence: unknown, source: string): Promise<'new' | 'known'> {
    const origin = typeof evidence === 'object' && evidence !== null ? (evidence as { origin?: unknown }).origin : undefined;
    const log = typeof origin === 'string' ? this.#logs.get(origin) : undefined;
    if (log === undefined) throw new StamplogError('NOT_FOUND', `evidence for an unknown log ${JSON.stringify(origin)}`);
    const v = verifyEvidence(evidence, log.verifier, { timeVerifiers: log.witnesses.map((w) => w.verifier) });
    const k = key('evidence', v.id);
    if ((await this.#store.get(k)) !== undefined) return 'known';
    const stored = evidence as Evidence;
    await this.#store.batch().putRecord(k, stored).write();
    const rollback = v.kind === 'rollback';
    const t = v.signedAt;
    await this.#alerter.emit([
      {
        type: rollback ? 'rollback' : 'equivocation',
        origin: v.origin,
        indexes: [],
        message: rollback
          ? `${v.origin} went back from a tree of size ${v.newer.size} to one of size ${v.older.size} (signed at ${t?.smaller} by ${t?.by}, after ${t?.larger}); evidence ${v.id} from ${source}`
          : `${v.origin} signed two inconsistent checkpoints (sizes ${v.older.size} and ${v.newer.size}, ${v.kind}); evidence ${v.id} from ${source}`,
        details: { evidence: v.id, kind: v.kind, sizes: [v.older.size, v.newer.size], source, ...(t === undefined ? {} : { signedAt: t }) },
        at: new Date().toISOString(),
      },
    ]);
    for (const fn of this.#listeners) fn(stored);
    return 'new';
  }

  /** Every stored evidence (verified when stored; re-verified by any reader that cares). */
  async list(): Promise<Evidence[]> {
    const out: Evidence[] = [];
    for await (const [k] of this.#store.entries(`${key('evidence')}/`)) {
      const e = await this.#store.getRecord(k, asEvidence);
      if (e !== undefined) out.push(e);
    }
    return out;
  }

  /** True when `e` is a rejection of bad evidence (not a local failure). */
  static isRejection(e: unknown): boolean {
    return isStamplogError(e) && e.code !== 'CORRUPTION' && e.code !== 'INTERNAL';
  }
}
