/**
 * The public surface of src/receipts/: the answers to appends (DESIGN §3 receipts and the multi-proof form),
 * written as text on the log's thread or on a receipt thread, and the reference receipt they all equal.
 *
 *   answers.ts        Receipts: chooses the form and the thread, writes the answer
 *   reference.ts      the reference receipt, as an object, the slow obvious way
 *   writer.ts         the fast receipt text writer
 *   prooftext.ts      inclusion proofs as text, each distinct entry rendered once a tree size
 *   tlogproofjson.ts  tlog-proof text as the inside of a JSON string, each distinct note checked once
 *   multiproof.ts     the multi-proof answer
 *   worker.ts         the receipt thread (thread.ts, thread.mjs), with a replica of the tree
 */
export { RECEIPT_THREAD_MIN, Receipts } from './answers.ts';
export type { LoggedBatch, ReceiptAnswer, ReceiptForm } from './answers.ts';
export { referenceReceipt } from './reference.ts';
export type { LoggedItem, Receipt } from './reference.ts';
export { BODY_CLOSE, BODY_OPEN, ReceiptWriter, receiptsBody } from './writer.ts';
export type { ReceiptItem } from './writer.ts';
export { ProofTextCache } from './prooftext.ts';
export type { ProofText } from './prooftext.ts';
export { TlogProofJSONWriter } from './tlogproofjson.ts';
export { multiproofAnswer } from './multiproof.ts';
export type { MultiproofItem } from './multiproof.ts';
export { ReceiptWorker, packItems, unpackItems } from './worker.ts';
export type { PackedItem } from './worker.ts';
