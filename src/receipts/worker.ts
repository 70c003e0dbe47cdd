/**
 * Receipts for large appends written on a worker thread. A batch's receipts are megabytes of JSON; writing them
 * (proofs, entry JSON, escaping, joining, encoding) costs the log's thread about as much as sequencing the
 * entries, and that thread is the one every request and every batch waits for. The worker keeps a replica of
 * the tree (a snapshot at start-up, then every leaf hash the sequencer appends, in order) and answers with the
 * finished body bytes, which are transferred, not copied. It checks the replica against every checkpoint and
 * every leaf before writing (thread.ts), and the bytes are exactly what ReceiptWriter writes on the log's
 * thread (test/receipts/worker.test.ts).
 */
import { Worker } from 'node:worker_threads';
import { StamplogError } from '../base/index.ts';
import type { Hash, MemoryTree } from '../merkle/index.ts';

/**
 * The worker's entry point: in the compiled build (dist/) thread.js next to this module; when this module
 * runs as TypeScript (tests and benchmarks, under tsx) thread.mjs, which registers tsx in the new thread
 * before loading thread.ts.
 */
const THREAD_ENTRY = new URL(new URL(import.meta.url).pathname.endsWith('.ts') ? './thread.mjs' : './thread.js', import.meta.url);

/** The worker's start-up data: a snapshot of the tree (MemoryTree.snapshot). */
export interface ReceiptThreadData {
  size: number;
  stored: ArrayBuffer;
}

export type ToReceiptThread =
  | { kind: 'close' }
  | { kind: 'leaves'; from: number; hashes: ArrayBuffer }
  | { kind: 'receipts'; id: number; size: number; root: ArrayBuffer; note: string; items: ArrayBuffer };

/** The answer: the body's bytes (the first `length` of `body`) or why there is none. */
export type FromReceiptThread = { id: number; body: ArrayBuffer; length: number } | { id: number; error: string };

/** One receipt to write: the leaf at `index`, its entry's JSON text (ASCII) and whether it was already logged. */
export interface PackedItem {
  index: number;
  leaf: Uint8Array;
  entryJSON: string;
  duplicate: boolean;
}

// Packed items, back to back, little-endian: f64 index | u8 duplicate | u32 leaf length | u32 entry JSON length |
// leaf bytes | entry JSON (ASCII, one byte a character).
const ITEM_HEADER = 17;

export function packItems(items: readonly PackedItem[]): Uint8Array<ArrayBuffer> {
  let bytes = 0;
  for (const it of items) bytes += ITEM_HEADER + it.leaf.length + it.entryJSON.length;
  const out = new Uint8Array(bytes);
  const buf = Buffer.from(out.buffer);
  let at = 0;
  for (const it of items) {
    buf.writeDoubleLE(it.index, at);
    out[at + 8] = it.duplicate ? 1 : 0;
    buf.writeUInt32LE(it.leaf.length, at + 9);
    buf.writeUInt32LE(it.entryJSON.length, at + 13);
    out.set(it.leaf, at + ITEM_HEADER);
    at += ITEM_HEADER + it.leaf.length;
    at += buf.write(it.entryJSON, at, 'latin1');
  }
  return out;
}

export function* unpackItems(packed: Uint8Array): Generator<PackedItem> {
  const buf = Buffer.from(packed.buffer, packed.byteOffset, packed.byteLength);
  for (let at = 0; at < packed.length; ) {
    const index = buf.readDoubleLE(at);
    const duplicate = packed[at + 8] === 1;
    const leafLength = buf.readUInt32LE(at + 9);
    const jsonLength = buf.readUInt32LE(at + 13);
    at += ITEM_HEADER;
    const leaf = packed.subarray(at, at + leafLength);
    at += leafLength;
    yield { index, duplicate, leaf, entryJSON: buf.toString('latin1', at, at + jsonLength) };
    at += jsonLength;
  }
}

export class ReceiptWorker {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: (body: Buffer) => void; reject: (e: Error) => void }>();
  #nextId = 0;
  #failure: StamplogError | undefined;
  #closed = false;
  /** The thread has ended (closed, or failed: it then never emits 'exit' again, so close() must not wait for it). */
  #exited = false;

  /** Starts the worker with a replica of `tree` as it is now; later leaves must come through `appended`. */
  constructor(tree: MemoryTree) {
    const { size, stored } = tree.snapshot();
    const data: ReceiptThreadData = { size, stored: stored.buffer as ArrayBuffer };
    // No execArgv: under tsx the entry point registers it itself (see thread.mjs).
    this.#worker = new Worker(THREAD_ENTRY, { workerData: data, transferList: [data.stored], execArgv: [] });
    this.#worker.unref();
    this.#worker.on('message', (m: FromReceiptThread) => this.#settle(m));
    this.#worker.on('error', (e) => this.#fail(new StamplogError('INTERNAL', `receipt worker failed: ${e.message}`, { cause: e })));
    this.#worker.on('exit', (code) => {
      this.#exited = true;
      this.#fail(new StamplogError('INTERNAL', this.#closed ? 'receipt worker closed' : `receipt worker exited (${code})`));
    });
  }

  /** True once the worker failed or was closed: nothing more will be answered. */
  get failed(): boolean {
    return this.#failure !== undefined || this.#closed;
  }

  /** Tells the replica about leaves `from`, `from + 1`, … (their leaf hashes, in order, right after the tree got them). */
  appended(from: number, hashes: readonly Hash[]): void {
    if (hashes.length === 0 || this.#failure !== undefined) return;
    const packed = new Uint8Array(32 * hashes.length);
    hashes.forEach((h, i) => packed.set(h, 32 * i));
    const m: ToReceiptThread = { kind: 'leaves', from, hashes: packed.buffer };
    this.#worker.postMessage(m, [packed.buffer]);
  }

  /** The `{"receipts": [ … ]}` body for `items` against the checkpoint (size, root, note). */
  body(items: readonly PackedItem[], size: number, root: Hash, note: string): Promise<Buffer> {
    if (this.#closed) return Promise.reject(new StamplogError('INTERNAL', 'receipt worker closed'));
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    const id = this.#nextId++;
    const packed = packItems(items);
    const rootCopy = new Uint8Array(root.length);
    rootCopy.set(root);
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      const m: ToReceiptThread = { kind: 'receipts', id, size, root: rootCopy.buffer, note, items: packed.buffer };
      this.#worker.postMessage(m, [packed.buffer, rootCopy.buffer]);
    });
  }

  /** Lets the worker finish what it was asked, then stop (terminated if it has not within a second). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#exited) return;
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage({ kind: 'close' } satisfies ToReceiptThread);
    const timer = setTimeout(() => void this.#worker.terminate(), 1000);
    await exited;
    clearTimeout(timer);
  }

  #settle(m: FromReceiptThread): void {
    const p = this.#pending.get(m.id);
    if (p === undefined) return;
    this.#pending.delete(m.id);
    if ('body' in m) p.resolve(Buffer.from(m.body, 0, m.length));
    else p.reject(new StamplogError('INTERNAL', `receipt worker: ${m.error}`));
  }

  #fail(e: StamplogError): void {
    this.#failure ??= e;
    for (const p of this.#pending.values()) p.reject(this.#failure);
    this.#pending.clear();
  }
}
