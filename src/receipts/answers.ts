/**
 * The one place where an append's answer is chosen and written, over one tree (one opening of the log's store):
 *
 *   'receipt'     the JSON text of the receipt of one submission (POST /api/v1/entries);
 *   'receipts'    `{"receipts": [ … ]}`, a receipt per submission in order (POST /api/v1/entries/batch), written
 *                 on the receipt thread (worker.ts) when there is one and the batch is large, otherwise here;
 *   'multiproof'  one checkpoint and one multi-leaf inclusion proof for the whole batch (multiproof.ts);
 *
 * and, for tests and tools, the reference receipts as objects (reference.ts), which every text form equals.
 */
import { StamplogError } from '../base/index.ts';
import { entryJSONText } from '../leaf/index.ts';
import type { Hash, MemoryTree } from '../merkle/index.ts';
import { multiproofAnswer } from './multiproof.ts';
import { referenceReceipt } from './reference.ts';
import type { LoggedItem, Receipt } from './reference.ts';
import { ReceiptWorker } from './worker.ts';
import { ReceiptWriter, receiptsBody } from './writer.ts';
import type { ReceiptItem } from './writer.ts';

/** How an append is answered (see the top of this file). */
export type ReceiptForm = 'receipt' | 'receipts' | 'multiproof';

/** The fewest receipts in one answer for which a receipt thread (if any) writes them. */
export const RECEIPT_THREAD_MIN = 64;

/** Logged items and the signed checkpoint (size, root, note) their receipts prove against. */
export interface LoggedBatch {
  items: readonly LoggedItem[];
  size: number;
  root: Hash;
  note: string;
}

/**
 * An append's answer body (ASCII JSON text, or its bytes when the receipt thread wrote it: only in the 'receipts'
 * form), how many submissions it answers and how many of those were already logged.
 */
export interface ReceiptAnswer<Body extends string | Uint8Array = string | Uint8Array> {
  body: Body;
  count: number;
  duplicates: number;
}

export class Receipts {
  readonly #tree: MemoryTree;
  readonly #writer: ReceiptWriter;
  readonly #worker: ReceiptWorker | undefined;
  #warned = false;

  /** Receipts over `tree`; with `thread`, large batches' receipts are written on a worker thread (worker.ts). */
  constructor(tree: MemoryTree, options: { thread?: boolean } = {}) {
    this.#tree = tree;
    this.#writer = new ReceiptWriter(tree);
    this.#worker = options.thread === true ? new ReceiptWorker(tree) : undefined;
  }

  /**
   * What the sequencer must call with the leaf hashes of each batch right after appending them to the tree (the
   * receipt thread's replica follows the tree through it); undefined without a receipt thread.
   */
  get onAppend(): ((from: number, hashes: Hash[]) => void) | undefined {
    const worker = this.#worker;
    return worker === undefined ? undefined : (from, hashes) => worker.appended(from, hashes);
  }

  /** The reference receipts of `batch`, as objects. */
  objects(batch: LoggedBatch): Receipt[] {
    return batch.items.map((item) => referenceReceipt(this.#tree, item, batch.size, batch.note));
  }

  /** The answer to an append of `batch` in `form`; 'receipt' answers a batch of exactly one item. */
  async answer(form: ReceiptForm, batch: LoggedBatch): Promise<ReceiptAnswer> {
    const { items, size, root, note } = batch;
    const count = items.length;
    let duplicates = 0;
    for (const item of items) if (item.duplicate) duplicates++;
    if (form === 'multiproof') return { body: multiproofAnswer(this.#tree, items, size, note), count, duplicates };
    const ready = withEntryJSON(items);
    if (form === 'receipt') {
      if (count !== 1) throw new StamplogError('INTERNAL', `a single receipt answers one submission, not ${count}`);
      return { body: this.#writer.write(ready[0], size, note), count, duplicates };
    }
    const worker = this.#worker;
    if (worker !== undefined && !worker.failed && count >= RECEIPT_THREAD_MIN) {
      try {
        return { body: await worker.body(ready, size, root, note), count, duplicates };
      } catch (e) {
        // The entries are logged: a failed receipt thread must not turn that into an error (nor every retry). This
        // thread writes the same bytes, now and from here on.
        if (!this.#warned) process.emitWarning(`receipt thread failed, receipts are written on the main thread: ${(e as Error).message}`);
        this.#warned = true;
      }
    }
    return { body: receiptsBody(ready.map((item) => this.#writer.write(item, size, note))), count, duplicates };
  }

  /** Stops the receipt thread, if any (once no append is answered any more). */
  async close(): Promise<void> {
    await this.#worker?.close();
  }
}

/** The items with their entries' JSON text, what a receipt is written from (here or on the receipt thread). */
function withEntryJSON(items: readonly LoggedItem[]): ReceiptItem[] {
  return items.map((item) => ({ index: item.index, leaf: item.leaf, leafHash: item.leafHash, entryJSON: entryJSONText(item.entry), duplicate: item.duplicate }));
}
