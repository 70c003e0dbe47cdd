/**
 * A BundleSource (bundles.ts) whose fetching and hashing run in a worker thread (bundlethread.ts): the HTTP
 * requests and the SHA-256 of every leaf and interior node of a bundle take a large share of the CPU of an audit,
 * and on another core they overlap with the decoding, checks and LevelDB writes of the follower's thread. What
 * the follower gets is what BundleStream gives in-thread: the same bundles, in order, with the same hashes
 * (monitor/test/bundles.test.ts compares the two), and the same StamplogErrors for failed fetches.
 *
 * Memory stays bounded: at most `ahead` requests in flight in the worker plus `ahead` + CREDIT_BATCH bundles
 * posted and not yet taken (the follower returns credits for the bundles it took, CREDIT_BATCH at a time).
 */
import { Worker } from 'node:worker_threads';
import { StamplogError } from '../../src/base/index.ts';
import type { ErrorCode } from '../../src/base/index.ts';
import type { TileClient, FetchOptions } from '../../src/client/index.ts';
import { BundleStream, ChainedSource } from './bundles.ts';
import type { BundleSource, HashedBundle } from './bundles.ts';

/**
 * The worker's entry point: in the compiled build (dist/) bundlethread.js next to this module; when this module
 * runs as TypeScript (tests and benchmarks, under tsx) bundlethread.mjs, which registers tsx in the new thread
 * before loading bundlethread.ts.
 */
const THREAD_ENTRY = new URL(new URL(import.meta.url).pathname.endsWith('.ts') ? './bundlethread.mjs' : './bundlethread.js', import.meta.url);

/** What the worker is asked to do (its workerData). */
export interface BundleWork {
  url: string;
  fetch: FetchOptions;
  first: number;
  last: number;
  size: number;
  /** Requests in flight in the worker. */
  ahead: number;
  /** Bundles the worker may post before the first credit comes back. */
  credit: number;
}

/** One message from the worker: bundle `n` and its hashes, or why it could not be had. */
export type FromBundleThread =
  | { n: number; bytes: ArrayBuffer; length: number; at: Int32Array; count: number; leafHashes: Uint8Array; root: Uint8Array | undefined }
  | { n: number; error: { code: ErrorCode; message: string; details?: Record<string, unknown> } };

/** Credits returned to the worker per message (it may run `ahead` bundles beyond what was returned). */
const CREDIT_BATCH = 16;

export class WorkerBundleStream implements BundleSource {
  readonly #worker: Worker;
  readonly #ready: (HashedBundle | StamplogError)[] = [];
  #waiting: { resolve: (b: HashedBundle) => void; reject: (e: unknown) => void } | undefined;
  #failure: StamplogError | undefined;
  #next: number;
  readonly #last: number;
  /** Bundles taken whose credit has not been returned yet. */
  #taken = 0;

  /** Fetches bundles first..last of a tree of `size` leaves from the log at `url` (see BundleWork). */
  constructor(w: Omit<BundleWork, 'credit'>) {
    // More than CREDIT_BATCH ahead of the last credit returned, so the worker never waits for one the follower
    // holds back until it has taken more.
    const work: BundleWork = { ...w, credit: w.ahead + CREDIT_BATCH };
    this.#next = work.first;
    this.#last = work.last;
    // No execArgv: under tsx the entry point registers it itself (see bundlethread.mjs).
    this.#worker = new Worker(THREAD_ENTRY, { workerData: work, execArgv: [] });
    this.#worker.on('message', (m: FromBundleThread) => this.#deliver('error' in m ? new StamplogError(m.error.code, m.error.message, { details: m.error.details }) : toBundle(m)));
    this.#worker.on('error', (e) => this.#fail(new StamplogError('INTERNAL', `bundle worker failed: ${e.message}`, { cause: e })));
    this.#worker.on('exit', (code) => {
      if (this.#next <= this.#last) this.#fail(new StamplogError('INTERNAL', `bundle worker exited (${code}) before bundle ${this.#next}`));
    });
  }

  #deliver(x: HashedBundle | StamplogError): void {
    const w = this.#waiting;
    if (w === undefined) {
      this.#ready.push(x);
      return;
    }
    this.#waiting = undefined;
    if (x instanceof StamplogError) w.reject(x);
    else w.resolve(x);
  }

  #fail(e: StamplogError): void {
    this.#failure ??= e;
    const w = this.#waiting;
    this.#waiting = undefined;
    w?.reject(this.#failure);
  }

  take(): Promise<HashedBundle> {
    if (this.#next > this.#last) return Promise.reject(new RangeError('WorkerBundleStream: no bundle left'));
    this.#next++;
    // Credits go back in batches: each message wakes the worker's thread, which costs more than the message.
    if (++this.#taken === CREDIT_BATCH) {
      this.#worker.postMessage({ credit: this.#taken });
      this.#taken = 0;
    }
    const x = this.#ready.shift();
    if (x !== undefined) return x instanceof StamplogError ? Promise.reject(x) : Promise.resolve(x);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => (this.#waiting = { resolve, reject }));
  }

  async close(): Promise<void> {
    this.#next = this.#last + 1;
    await this.#worker.terminate();
  }
}

function toBundle(m: Extract<FromBundleThread, { bytes: ArrayBuffer }>): HashedBundle {
  return { bytes: Buffer.from(m.bytes, 0, m.length), at: m.at, count: m.count, leafHashes: m.leafHashes, root: m.root };
}

/** Entry bundles requested ahead of the one being audited. */
const FETCH_AHEAD = 64;
/** Bundles an audit must span for its fetching and hashing to go to a worker thread. */
const WORKER_MIN_BUNDLES = 256;
/** Bundles fetched and hashed in this thread while the worker starts. */
const WORKER_LEAD = 96;

/**
 * Bundles first..last of the tree of `size` leaves from `client`, fetched ahead (across chunk boundaries) and
 * hashed while earlier ones are checked: for a long audit in a worker thread, which the first WORKER_LEAD
 * bundles do not wait for (this thread fetches and hashes them while the worker starts); else in this thread.
 * `worker` overrides the choice (true: a worker for all of them; false: this thread).
 */
export function openBundles(o: { client: TileClient; first: number; last: number; size: number; worker?: boolean }): BundleSource {
  const { client, first, last, size } = o;
  const count = last - first + 1;
  const worker = o.worker ?? count >= WORKER_MIN_BUNDLES;
  const local = (from: number, to: number) => new BundleStream({ fetch: (n, w) => client.entryBundleSplit(n, w), first: from, last: to, size, ahead: FETCH_AHEAD });
  if (!worker) return local(first, last);
  const lead = Math.min(o.worker === true ? 0 : WORKER_LEAD, count);
  if (lead === count) return local(first, last);
  const rest = new WorkerBundleStream({ url: client.url, fetch: client.options, first: first + lead, last, size, ahead: FETCH_AHEAD });
  return lead === 0 ? rest : new ChainedSource(local(first, first + lead - 1), lead, rest);
}
