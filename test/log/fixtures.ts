/** In-process log fixtures: a TransparencyLog over a MemoryStore with fixed keys and an injectable clock. */
import { createHash } from 'node:crypto';
import { MemoryStore } from '../../src/store/memory.ts';
import { TransparencyLog } from '../../src/log/log.ts';
import type { LogConfig } from '../../src/log/log.ts';
import { generateSignerKey, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../../src/note/keys.ts';
import { parseSubmission } from '../../src/leaf/entry.ts';
import type { Submission } from '../../src/leaf/types.ts';

export const ORIGIN = 'test.example/log';

/** Deterministic keys from a one-byte seed. */
export function logKeys(seedByte = 1): { logKey: string; timestampKey: string; logVerifierKey: string; timestampVerifierKey: string } {
  const l = generateSignerKey(ORIGIN, new Uint8Array(32).fill(seedByte));
  const t = generateSignerKey(`${ORIGIN}/timestamp`, new Uint8Array(32).fill(seedByte + 100), SIGNATURE_TYPE_COSIGNATURE_V1);
  return { logKey: l.signerKey, timestampKey: t.signerKey, logVerifierKey: l.verifierKey, timestampVerifierKey: t.verifierKey };
}

export async function openMemoryLog(
  opts: { store?: MemoryStore; clock?: () => number; seedByte?: number; config?: Partial<LogConfig> } = {},
): Promise<{ log: TransparencyLog; store: MemoryStore }> {
  const store = opts.store ?? new MemoryStore();
  await store.open();
  const keys = logKeys(opts.seedByte);
  const log = await TransparencyLog.open(store, {
    origin: ORIGIN,
    logKey: keys.logKey,
    timestampKey: keys.timestampKey,
    clock: opts.clock ?? (() => 1_700_000_000_000),
    sequencer: { batchMs: 0 },
    ...opts.config,
  });
  return { log, store };
}

/** A valid artifact submission number `i` (distinct digest and filename per i). */
export function artifact(i: number, tag = 'a'): Submission {
  return parseSubmission({
    kind: 'artifact',
    subject: {
      project: `proj-${i % 7}`,
      version: `1.${i}`,
      filename: `proj_${tag}_${i}-1.${i}-py3-none-any.whl`,
      sha256: createHash('sha256').update(`${tag}-${i}`).digest('hex'),
      size: 100 + i,
    },
  });
}
