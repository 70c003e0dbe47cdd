/**
 * `stamplog verify <file> --policy <policy> [--proof <file>.tlog-proof]`: fully offline. The receipt's
 * checkpoint must be signed by a log of the policy and cosigned by its witness quorum, the receipt's leaf
 * must be included under that checkpoint, and the leaf's subject must match the file (SHA-256 and size,
 * hashed streaming). Exit status 0 when everything holds, 1 with a message naming what failed otherwise.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { StamplogError } from '../errors.ts';
import { verifyReceipt } from '../client/receipt.ts';
import { parsePolicy } from '../note/policy.ts';
import { toHex } from '../leaf/codec.ts';

export interface VerifyOptions {
  policy: string;
  proof?: string;
}

/** SHA-256 and size of the file at `path`, read as a stream (any size). */
export async function hashFile(path: string): Promise<{ sha256: Uint8Array; size: number }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    h.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { sha256: new Uint8Array(h.digest()), size };
}

export async function verifyFile(file: string, opts: VerifyOptions): Promise<void> {
  const proofPath = opts.proof ?? `${file}.tlog-proof`;
  await stat(file);
  const policy = parsePolicy(await readFile(opts.policy));
  const receipt = verifyReceipt(await readFile(proofPath), policy);
  const { sha256, size } = await hashFile(file);
  const subject = receipt.entry.subject;
  if (toHex(subject.sha256) !== toHex(sha256)) {
    throw new StamplogError('PROOF_MISMATCH', `${file}: SHA-256 ${toHex(sha256)} is not the logged ${toHex(subject.sha256)}`);
  }
  if (subject.size !== size) throw new StamplogError('PROOF_MISMATCH', `${file}: size ${size} is not the logged ${subject.size}`);
  if (subject.filename !== basename(file)) {
    console.error(`stamplog: note: the file is named ${basename(file)}, the entry names ${subject.filename}`);
  }
  const w = receipt.witnesses.map((x) => x.name).join(', ');
  console.log(
    `OK ${subject.filename}: ${subject.project} ${subject.version}, sha256 ${toHex(sha256)}, logged at index ${receipt.index} ` +
      `of ${receipt.checkpoint.origin} (tree size ${receipt.checkpoint.size}) at ${new Date(receipt.entry.time).toISOString()}` +
      (w ? `, cosigned by ${w}` : ''),
  );
}
