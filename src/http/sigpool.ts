/**
 * Ed25519 verification of publisher signatures on worker threads, so that the event loop that parses requests
 * and sequences entries does not spend the cost of an OpenSSL verification on each signed submission. The project rule is split
 * where it is cheap to split: steps 1–6 (lengths, S < L, canonical and not-small-order A and R; key checks
 * cached) run here through `ed25519Precheck`, and only step 7, the cofactorless equation, runs in OpenSSL on a
 * worker — exactly what `ed25519Verify` does on one thread, so both give the same answer on every input.
 *
 * Jobs are batched: the verifications asked for during one turn of the event loop go to the workers in
 * messages of at most JOBS_PER_MESSAGE jobs (packed buffers, transferred, not copied), round robin. The worker is a
 * small CommonJS script evaluated from a string: it needs nothing but node:crypto, so it runs the same under
 * tsx, the bin launcher or plain node.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import { ed25519Precheck } from '../crypto/index.ts';
import { StamplogError } from '../base/index.ts';
import type { SignatureJob } from '../leaf/index.ts';

/** A verifier of signature jobs: resolves true iff the job verifies under the project Ed25519 rule. */
export type AsyncSignatureVerifier = (job: SignatureJob) => Promise<boolean>;

// Packed job: u32 message length | 32-byte key | 64-byte signature | message. Answer: one byte per job.
// The equation runs in libsodium (sodium-native, an optional dependency, faster than OpenSSL: docs/benchmarks.md)
// when it loads, else in OpenSSL (node:crypto). Both evaluate the same cofactorless equation, encode([S]B − [k]A)
// = R; libsodium's own checks of A, R and S are those of steps 1–6, which have already passed (precheck).
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
let sodium = null;
try {
  if (workerData.sodium !== null) sodium = require(workerData.sodium);
} catch {}
const SPKI = Buffer.from('302a300506032b6570032100', 'hex');
const keys = new Map();
function keyFor(raw) {
  const id = raw.toString('latin1');
  let k = keys.get(id);
  if (k === undefined) {
    if (keys.size >= 4096) keys.delete(keys.keys().next().value);
    k = createPublicKey({ key: Buffer.concat([SPKI, raw]), format: 'der', type: 'spki' });
    keys.set(id, k);
  }
  return k;
}
parentPort.on('message', ({ id, buffer, count }) => {
  const buf = Buffer.from(buffer);
  const out = new Uint8Array(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const len = buf.readUInt32LE(at);
    const key = buf.subarray(at + 4, at + 36);
    const sig = buf.subarray(at + 36, at + 100);
    const msg = buf.subarray(at + 100, at + 100 + len);
    at += 100 + len;
    try {
      out[i] = (sodium !== null ? sodium.crypto_sign_verify_detached(sig, msg, key) : verify(null, msg, keyFor(key), sig)) ? 1 : 0;
    } catch {
      out[i] = 0;
    }
  }
  parentPort.postMessage({ id, answer: out.buffer }, [out.buffer]);
});
`;

const JOBS_PER_MESSAGE = 8;

interface Pending {
  job: SignatureJob;
  resolve: (ok: boolean) => void;
  reject: (e: Error) => void;
}

/** Where sodium-native loads from, if it is installed and loads here; null otherwise. */
function sodiumPath(): string | null {
  try {
    const require = createRequire(import.meta.url);
    const path = require.resolve('sodium-native');
    const sodium = require(path) as { crypto_sign_verify_detached?: unknown };
    return typeof sodium.crypto_sign_verify_detached === 'function' ? path : null;
  } catch {
    return null;
  }
}

export class SignatureWorkers {
  /** Which implementation evaluates the equation. */
  readonly backend: 'sodium' | 'openssl';
  readonly #workers: Worker[];
  readonly #inFlight = new Map<number, Pending[]>();
  #queue: Pending[] = [];
  #scheduled = false;
  #nextId = 0;
  #nextWorker = 0;
  #failure: StamplogError | undefined;

  /**
   * Starts `threads` (≥ 1) workers; they do not keep the process alive. `backend` forces the equation's
   * implementation (tests); by default libsodium if sodium-native is installed, else OpenSSL.
   */
  constructor(threads: number, backend: 'sodium' | 'openssl' | 'auto' = 'auto') {
    const sodium = backend === 'openssl' ? null : sodiumPath();
    if (backend === 'sodium' && sodium === null) throw new StamplogError('INTERNAL', 'sodium-native is not installed');
    this.backend = sodium === null ? 'openssl' : 'sodium';
    this.#workers = Array.from({ length: threads }, () => {
      const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { sodium } });
      w.unref();
      w.on('message', (m: { id: number; answer: ArrayBuffer }) => this.#answer(m.id, new Uint8Array(m.answer)));
      w.on('error', (e) => this.#fail(e));
      return w;
    });
  }

  /** Resolves true iff `job` verifies under the project rule (see the module comment). */
  readonly verify: AsyncSignatureVerifier = (job) => {
    if (!ed25519Precheck(job.publicKey, job.message, job.signature)) return Promise.resolve(false);
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    return new Promise((resolve, reject) => {
      this.#queue.push({ job, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.#flush());
      }
    });
  };

  async close(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.terminate()));
  }

  #flush(): void {
    this.#scheduled = false;
    const queued = this.#queue;
    this.#queue = [];
    // Small messages: a job's answer waits for every job of its message, so a large message would hold the first
    // submitter back for all of its verifications; small ones keep latency low at the same CPU cost.
    for (let at = 0; at < queued.length; at += JOBS_PER_MESSAGE) this.#send(queued.slice(at, at + JOBS_PER_MESSAGE));
  }

  #send(batch: Pending[]): void {
    if (this.#failure !== undefined) {
      for (const p of batch) p.reject(this.#failure);
      return;
    }
    let bytes = 0;
    for (const p of batch) bytes += 100 + p.job.message.length;
    const packed = new ArrayBuffer(bytes);
    const buf = Buffer.from(packed);
    let at = 0;
    for (const { job } of batch) {
      buf.writeUInt32LE(job.message.length, at);
      buf.set(job.publicKey, at + 4);
      buf.set(job.signature, at + 36);
      buf.set(job.message, at + 100);
      at += 100 + job.message.length;
    }
    const id = this.#nextId++;
    this.#inFlight.set(id, batch);
    const worker = this.#workers[this.#nextWorker];
    this.#nextWorker = (this.#nextWorker + 1) % this.#workers.length;
    worker.postMessage({ id, buffer: packed, count: batch.length }, [packed]);
  }

  #answer(id: number, answer: Uint8Array): void {
    const batch = this.#inFlight.get(id);
    if (batch === undefined) return;
    this.#inFlight.delete(id);
    for (let i = 0; i < batch.length; i++) batch[i].resolve(answer[i] === 1);
  }

  /** A worker died: nothing more is verified; every request fails (INTERNAL) rather than pass or be refused. */
  #fail(cause: Error): void {
    this.#failure = new StamplogError('INTERNAL', 'signature verification worker failed', { cause });
    for (const batch of this.#inFlight.values()) for (const p of batch) p.reject(this.#failure);
    this.#inFlight.clear();
  }
}
