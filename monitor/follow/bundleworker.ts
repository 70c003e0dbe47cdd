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
import { StamplogError } from '../../src/base/errors.ts';
import type { ErrorCode } from '../../src/base/errors.ts';
import type { BundleSource, HashedBundle } from './bundles.ts';
import type { FetchOptions } from '../../src/client/fetch.ts';

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
