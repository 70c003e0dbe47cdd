/**
 * A C2SP tlog-witness (https://c2sp.org/tlog-witness) for the logs of the monitor's policy, cosigning with its
 * own cosignature/v1 key (C2SP tlog-cosignature, type 0x04). The wire format (request body, 409 answer) is
 * src/note's witness codec, shared with the log's side (src/log/witnessing.ts).
 *
 * Answers, checked in this order (status codes exactly as the spec assigns them):
 *   400  the body does not parse (old line, proof lines, missing blank line, note or checkpoint syntax), more
 *        than 63 proof lines, old size > checkpoint size, or a non-empty proof with old size 0;
 *   413  a body over MAX_ADD_CHECKPOINT_BYTES (the spec sets no limit; ours is the note limit);
 *   404  the checkpoint's origin is not a log of the policy;
 *   403  no signature by the log's key verifies (a bad one by that key included);
 *   409  old size ≠ the size this witness last cosigned for the origin (0 if never), with Content-Type
 *        text/x.tlog.size and that size plus "\n" as the body; also for the same size with another root
 *        (which is equivocation: the pair is handed to `onEquivocation`);
 *   422  the consistency proof from the stored checkpoint does not verify (RFC 9162 §2.1.4.2);
 *   200  after the new checkpoint is durably stored: the witness's cosignature line(s).
 * Check-and-persist is atomic per origin (KeyedMutex, then one synced LevelDB write before answering), so two
 * racing requests can never roll the stored size back: the second sees the first's size and gets 409.
 */
import { isStamplogError, fromBase64, toBase64 } from '../../src/base/index.ts';
import { emptyRoot, verifyConsistency } from '../../src/merkle/index.ts';
import {
  MAX_ADD_CHECKPOINT_BYTES,
  TLOG_SIZE_CONTENT_TYPE,
  cosignatureSigner,
  formatSignatureLine,
  formatTlogSize,
  formatVerifierKey,
  openCheckpoint,
  parseAddCheckpoint,
  parseCheckpoint,
  parseNote,
  parseSignerKey,
} from '../../src/note/index.ts';
import type { AddCheckpointRequest, Checkpoint } from '../../src/note/index.ts';
import type { MonitoredLog } from '../config.ts';
import type { SignedCheckpoint } from '../findings/index.ts';
import { KeyedMutex } from './mutex.ts';
import { key } from '../state/index.ts';
import type { MonitorStore } from '../state/index.ts';

/** An HTTP answer, ready to send. */
export interface WitnessAnswer {
  status: number;
  contentType: string;
  body: string;
}

/** What the witness stores per origin: the latest cosigned checkpoint. */
interface WitnessRecord {
  size: number;
  root: string;
  note: string;
}

function checkRecord(v: unknown): WitnessRecord {
  const r = v as WitnessRecord;
  if (typeof r !== 'object' || r === null || !Number.isSafeInteger(r.size) || r.size < 0 || typeof r.root !== 'string' || typeof r.note !== 'string') {
    throw new Error('not a witness record');
  }
  if (fromBase64(r.root, 32) === undefined) throw new Error('root');
  return r;
}

const text = (status: number, body: string): WitnessAnswer => ({ status, contentType: 'text/plain; charset=utf-8', body: body.endsWith('\n') ? body : `${body}\n` });

export interface WitnessOptions {
  /** The witness's cosignature/v1 signer key string (PRIVATE+KEY+name+id+base64(0x04 || seed)). */
  signerKey: string;
  /** Milliseconds since the epoch (cosignature timestamps are its seconds). */
  clock?: () => number;
  /** Called (outside the lock) with two signed checkpoints of one size and different roots. */
  onEquivocation?: (a: SignedCheckpoint, b: SignedCheckpoint) => void;
  /** Called (outside the lock) with every checkpoint cosigned. */
  onCosigned?: (cp: SignedCheckpoint) => void;
}

export class Witness {
  /** The witness's verifier key string (type 0x04), for policies. */
  readonly verifierKey: string;
  readonly #logs: ReadonlyMap<string, MonitoredLog>;
  readonly #store: MonitorStore;
  readonly #opts: WitnessOptions;
  readonly #signer: ReturnType<typeof cosignatureSigner>;
  readonly #mutex = new KeyedMutex();

  constructor(logs: readonly MonitoredLog[], store: MonitorStore, opts: WitnessOptions) {
    this.#logs = new Map(logs.map((l) => [l.origin, l]));
    this.#store = store;
    this.#opts = opts;
    const clock = opts.clock ?? Date.now;
    this.#signer = cosignatureSigner(opts.signerKey, () => Math.floor(clock() / 1000));
    const k = parseSignerKey(opts.signerKey);
    this.verifierKey = formatVerifierKey(k.name, k.type, k.publicKey);
  }

  /** The size this witness last cosigned for `origin` (0 if never). */
  async cosignedSize(origin: string): Promise<number> {
    return (await this.#store.getRecord(key('witness', origin), checkRecord))?.size ?? 0;
  }

  /** Handles one add-checkpoint request body (bytes as received). Never throws for bad input. */
  async addCheckpoint(body: Uint8Array): Promise<WitnessAnswer> {
    if (body.length > MAX_ADD_CHECKPOINT_BYTES) return text(413, 'request body too large');
    let req: AddCheckpointRequest;
    let cp: Checkpoint;
    try {
      req = parseAddCheckpoint(new TextDecoder('utf-8', { fatal: true }).decode(body));
      cp = parseCheckpoint(parseNote(req.note).text);
    } catch (e) {
      return text(400, isStamplogError(e) ? e.message : 'body is not UTF-8');
    }
    const log = this.#logs.get(cp.origin);
    if (log === undefined) return text(404, `unknown log ${JSON.stringify(cp.origin)}`);
    let opened;
    try {
      opened = openCheckpoint(req.note, log.verifier, { origin: log.origin });
    } catch (e) {
      return text(403, isStamplogError(e) ? e.message : 'checkpoint does not verify');
    }
    const checkpoint = opened.checkpoint;
    if (req.oldSize > checkpoint.size) return text(400, `old size ${req.oldSize} exceeds the checkpoint size ${checkpoint.size}`);
    if (req.oldSize === 0 && req.proof.length > 0) return text(400, 'the proof must be empty when the old size is 0');
    const signed: SignedCheckpoint = { note: req.note, checkpoint };
    let equivocation: SignedCheckpoint | undefined;
    const answer = await this.#mutex.run(log.origin, async () => {
      const stored = await this.#store.getRecord(key('witness', log.origin), checkRecord);
      const storedSize = stored?.size ?? 0;
      if (req.oldSize !== storedSize) return { status: 409, contentType: TLOG_SIZE_CONTENT_TYPE, body: formatTlogSize(storedSize) };
      const storedRoot = stored === undefined ? emptyRoot() : (fromBase64(stored.root, 32) as Uint8Array);
      if (stored !== undefined && req.oldSize === checkpoint.size && toBase64(storedRoot) !== toBase64(checkpoint.rootHash)) {
        equivocation = { note: stored.note, checkpoint: parseCheckpoint(parseNote(stored.note).text) };
        return { status: 409, contentType: TLOG_SIZE_CONTENT_TYPE, body: formatTlogSize(storedSize) };
      }
      if (req.oldSize > 0) {
        try {
          verifyConsistency(req.oldSize, checkpoint.size, req.proof, storedRoot, checkpoint.rootHash);
        } catch (e) {
          if (isStamplogError(e) && (e.code === 'PROOF_MISMATCH' || e.code === 'MALFORMED')) return text(422, `consistency proof does not verify: ${e.message}`);
          throw e;
        }
      }
      // Persist before answering: a cosignature is only ever given for the stored state.
      await this.#store.batch().putRecord(key('witness', log.origin), { size: checkpoint.size, root: toBase64(checkpoint.rootHash), note: req.note }).write();
      const signature = this.#signer.sign(opened.note.textBytes);
      return { status: 200, contentType: 'text/plain; charset=utf-8', body: formatSignatureLine({ name: this.#signer.name, keyId: this.#signer.keyId, signature }) };
    });
    if (equivocation !== undefined) this.#opts.onEquivocation?.(equivocation, signed);
    if (answer.status === 200) this.#opts.onCosigned?.(signed);
    return answer;
  }
}

