/**
 * A follower's records for one log in the monitor's store (state/): the head record, the stored alerts, and
 * the filename and project records the content checks read and write. Keys are `log/<origin>/…`:
 *
 *   log/<origin>/head             the checksummed HeadRecord (latest checkpoint, cursor, border, time state)
 *   log/<origin>/alert/<seq>      each alert raised, numbered from 0 (12 digits)
 *   log/<origin>/f/<filename>     filename record (checks.ts encodeFilenameRecord)
 *   log/<origin>/p/<project>      project record (JSON)
 *
 * A torn or altered record is a CORRUPTION error about the local state, never an alert about the log.
 */
import { StamplogError } from '../../src/base/index.ts';
import { NameFilter, decodeFilenameRecord, nameKey } from '../checks/index.ts';
import type { CheckLookup, ContentChecker, ProjectRecord, TimeState } from '../checks/index.ts';
import type { Alert } from '../findings/index.ts';
import { key } from '../state/index.ts';
import type { MonitorStore, StoreBatch } from '../state/index.ts';

/** Smallest filename filter (a fresh log). */
const MIN_FILTER_CAPACITY = 1 << 16;

/**
 * The filename filter of each (store, log): shared by every follower of that log on that store, since each must
 * hold every filename stored there.
 */
const filters = new WeakMap<MonitorStore, Map<string, NameFilter>>();

/** The follower's persistent state for one log. */
export interface HeadRecord {
  v: 1;
  /** Signed note of the largest checkpoint proven consistent (null before the first). */
  latest: string | null;
  /** Leaves [0, cursor) are audited. */
  cursor: number;
  /** Base64 border hashes of [0, cursor) (src/merkle CompactRange). */
  border: string[];
  time: TimeState;
  /** Alerts stored so far (their sequence numbers). */
  alerts: number;
  /** Findings about tree heads already alerted without evidence (see Follower's flagOnce), oldest first. */
  flagged?: string[];
}

function checkHead(v: unknown): HeadRecord {
  const h = v as HeadRecord;
  if (typeof h !== 'object' || h === null || h.v !== 1) throw new Error('not a head record');
  if (h.latest !== null && typeof h.latest !== 'string') throw new Error('latest');
  if (!Number.isSafeInteger(h.cursor) || h.cursor < 0) throw new Error('cursor');
  if (!Array.isArray(h.border) || !Array.isArray(h.time?.heads) || !Number.isSafeInteger(h.alerts)) throw new Error('fields');
  if (h.flagged !== undefined && (!Array.isArray(h.flagged) || h.flagged.some((f) => typeof f !== 'string'))) throw new Error('flagged');
  return h;
}

/** Throws CORRUPTION: a record of the local state named `what` does not read back. */
export function corrupt(what: string): never {
  throw new StamplogError('CORRUPTION', `local monitor state: a ${what} is corrupted`);
}

/** The records of the log `origin` in `store`. */
export class LogRecords {
  readonly #store: MonitorStore;
  readonly #origin: string;

  constructor(store: MonitorStore, origin: string) {
    this.#store = store;
    this.#origin = origin;
  }

  #key(...parts: (string | number)[]): string {
    return key('log', this.#origin, ...parts);
  }

  /** The head record, or the empty one before the first pass. */
  async readHead(): Promise<HeadRecord> {
    return (await this.#store.getRecord(this.#key('head'), checkHead)) ?? { v: 1, latest: null, cursor: 0, border: [], time: { heads: [] }, alerts: 0 };
  }

  /** One atomic, synced write of alerts and the head (findings that come with no chunk of records). */
  async commit(head: HeadRecord, alerts: Alert[]): Promise<void> {
    const b = this.#store.batch();
    this.putHead(b, head, alerts);
    await b.write();
  }

  /** Adds `alerts` (numbered on from head.alerts) and then the head record to `b`. */
  putHead(b: StoreBatch, head: HeadRecord, alerts: Alert[]): void {
    for (const a of alerts) b.putRecord(this.#key('alert', String(head.alerts++).padStart(12, '0')), a);
    b.putRecord(this.#key('head'), head);
  }

  /** Adds the filename and project records `checker` changed since its last take to `b`. */
  putDirty(b: StoreBatch, checker: ContentChecker): void {
    // key('log', origin, 'f', name), with the constant part built once rather than once per record.
    const f = `${this.#key('f')}/`;
    const p = `${this.#key('p')}/`;
    checker.drainDirty(
      (name, stored) => b.put(f + encodeURIComponent(name), stored),
      (name, r) => b.put(p + encodeURIComponent(name), JSON.stringify(r)),
    );
  }

  /** Record reads from the store; each waits for `before()` (a write in flight) first, if it reads anything. */
  lookup(before: () => Promise<void> | undefined = () => undefined): CheckLookup {
    const read = async (names: readonly string[], kind: string): Promise<(string | undefined)[]> => {
      if (names.length === 0) return [];
      await before();
      const prefix = `${this.#key(kind)}/`;
      return this.#store.getMany(names.map((n) => prefix + encodeURIComponent(n)));
    };
    return {
      filenames: async (names) =>
        (await read(names, 'f')).map((v) => (v === undefined ? undefined : (decodeFilenameRecord(v) ?? corrupt('filename record')))),
      projects: async (names) =>
        (await read(names, 'p')).map((v) => {
          if (v === undefined) return undefined;
          try {
            const r = JSON.parse(v) as ProjectRecord;
            if (!Array.isArray(r.keys)) throw new Error('keys');
            return r;
          } catch {
            return corrupt('project record');
          }
        }),
    };
  }

  /** The filename filter for this log on this store, (re)built from the stored records if it is missing or too small for `size`. */
  async filenameFilter(size: number): Promise<NameFilter> {
    const store = this.#store;
    let byLog = filters.get(store);
    if (byLog === undefined) filters.set(store, (byLog = new Map()));
    const have = byLog.get(this.#origin);
    if (have !== undefined && have.capacity >= size) return have;
    const f = new NameFilter(Math.max(2 * size, MIN_FILTER_CAPACITY));
    const prefix = `${this.#key('f')}/`;
    for await (const k of store.keys(prefix)) f.add(nameKey(decodeURIComponent(k.slice(prefix.length))));
    byLog.set(this.#origin, f);
    return f;
  }

  /** The alerts stored for this log, oldest first. */
  async storedAlerts(): Promise<Alert[]> {
    const out: Alert[] = [];
    const prefix = `${this.#key('alert')}/`;
    for await (const [k] of this.#store.entries(prefix)) {
      const a = await this.#store.getRecord(k, (v) => v as Alert);
      if (a !== undefined) out.push(a);
    }
    return out;
  }
}
