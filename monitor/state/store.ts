/**
 * The monitor's durable state: one LevelDB (`level`) database in `<state dir>/db`, shared by the follower, the
 * content checks, the witness and gossip. Keys are `/`-joined, percent-encoded parts (`key('log', origin,
 * 'head')`), so an origin or filename can never spill into another key's namespace.
 *
 * Durability and atomicity: every write is one LevelDB batch with `sync: true` (appended to the write-ahead
 * log as one record and fsynced before the promise resolves), so a crash leaves either all of a commit or none.
 *
 * Corruption is LOCAL, never the log's fault: records that must not be torn (`putRecord`) are stored as
 * `<hex SHA-256 of the JSON>\n<JSON>` and any record that fails its checksum or shape check, any read
 * failure, and any LevelDB open that reports a dropped or corrupted record in its info log (`LOG`; the open
 * and that check are src/store's openLevel, shared with the log's store), is a StamplogError CORRUPTION
 * naming the state directory. Callers report it as such and stop; they never turn it into an alert about a log.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { Level } from 'level';
import { StamplogError } from '../../src/base/index.ts';
import { openLevel } from '../../src/store/index.ts';

/** A key made of `parts`, each percent-encoded, joined by `/`. */
export function key(...parts: readonly (string | number)[]): string {
  return parts.map((p) => encodeURIComponent(String(p))).join('/');
}

function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}

function corruption(where: string, message: string, cause?: unknown): StamplogError {
  return new StamplogError('CORRUPTION', `local monitor state ${where}: ${message}`, cause === undefined ? {} : { cause });
}

/** A pending atomic write. */
export interface StoreBatch {
  /** Stores `value` as checksummed JSON. */
  putRecord(k: string, value: unknown): StoreBatch;
  /** Stores a plain string. */
  put(k: string, value: string): StoreBatch;
  del(k: string): StoreBatch;
  /** Writes everything at once and fsyncs. */
  write(): Promise<void>;
  /** Drops everything (nothing is written); the batch cannot be used afterwards. */
  discard(): Promise<void>;
}

export class MonitorStore {
  readonly location: string;
  readonly #db: Level<string, string>;

  private constructor(location: string) {
    this.location = location;
    this.#db = new Level<string, string>(location, { keyEncoding: 'utf8', valueEncoding: 'utf8' });
  }

  /** Opens (creating) the database in `<dir>/db`; CONFLICT if another process holds it, CORRUPTION if damaged. */
  static async open(dir: string): Promise<MonitorStore> {
    const s = new MonitorStore(join(dir, 'db'));
    const problem = await openLevel(s.#db, s.location);
    if (problem?.kind === 'locked') throw new StamplogError('CONFLICT', `the monitor state at ${dir} is in use by another process`, { cause: problem.cause });
    if (problem?.kind === 'failed') throw corruption(dir, `cannot open the database: ${problem.detail}`, problem.cause);
    if (problem?.kind === 'recovery') throw corruption(dir, `LevelDB reported corruption on open (${problem.first})`);
    return s;
  }

  async #get(k: string): Promise<string | undefined> {
    try {
      return await this.#db.get(k);
    } catch (e) {
      throw corruption(this.location, `reading ${k} failed`, e);
    }
  }

  /**
   * The checksummed record at `k` passed through `check` (which throws on a wrong shape), or undefined if
   * absent; CORRUPTION if torn, altered or of the wrong shape.
   */
  async getRecord<T>(k: string, check: (v: unknown) => T): Promise<T | undefined> {
    const raw = await this.#get(k);
    if (raw === undefined) return undefined;
    const nl = raw.indexOf('\n');
    const json = raw.slice(nl + 1);
    if (nl !== 64 || raw.slice(0, 64) !== sha256Hex(json)) throw corruption(this.location, `record ${k} fails its checksum`);
    try {
      return check(JSON.parse(json));
    } catch (e) {
      throw corruption(this.location, `record ${k} has an unexpected shape: ${e instanceof Error ? e.message : String(e)}`, e);
    }
  }

  /** The plain strings at `keys` (undefined where absent), in one call. */
  async getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    if (keys.length === 0) return [];
    try {
      return await this.#db.getMany([...keys]);
    } catch (e) {
      throw corruption(this.location, 'reading failed', e);
    }
  }

  /** The plain string at `k`, or undefined. */
  get(k: string): Promise<string | undefined> {
    return this.#get(k);
  }

  /** Every (key, value) whose key starts with `prefix`, in key order. */
  async *entries(prefix: string): AsyncGenerator<[string, string]> {
    try {
      for await (const kv of this.#db.iterator({ gte: prefix, lt: `${prefix}\uffff` })) yield kv;
    } catch (e) {
      throw corruption(this.location, `iterating ${prefix} failed`, e);
    }
  }

  /** Every key that starts with `prefix`, in key order (no values read). */
  async *keys(prefix: string): AsyncGenerator<string> {
    try {
      for await (const k of this.#db.keys({ gte: prefix, lt: `${prefix}\uffff` })) yield k;
    } catch (e) {
      throw corruption(this.location, `iterating ${prefix} failed`, e);
    }
  }

  /**
   * A batch whose operations go straight into a LevelDB chained batch (copied to native memory as they come,
   * so a chunk's many records are not held as JS objects until the write).
   */
  batch(): StoreBatch {
    let chain: ReturnType<Level<string, string>['batch']> | undefined;
    let done = false;
    const ops = () => {
      if (done) throw new StamplogError('INTERNAL', 'store batch used after write or discard');
      return (chain ??= this.#db.batch());
    };
    const b: StoreBatch = {
      putRecord: (k, value) => {
        const json = JSON.stringify(value);
        ops().put(k, `${sha256Hex(json)}\n${json}`);
        return b;
      },
      put: (k, value) => {
        ops().put(k, value);
        return b;
      },
      del: (k) => {
        ops().del(k);
        return b;
      },
      write: async () => {
        if (done) throw new StamplogError('INTERNAL', 'store batch written twice or after discard');
        done = true;
        if (chain === undefined || chain.length === 0) {
          await chain?.close();
          return;
        }
        await chain.write({ sync: true });
      },
      discard: async () => {
        if (done) return;
        done = true;
        await chain?.close();
      },
    };
    return b;
  }

  async close(): Promise<void> {
    await this.#db.close();
  }
}
