/**
 * The log side of C2SP tlog-witness (DESIGN §4 step 7): on its own cadence — never per batch, so that
 * witnesses see one tree head per interval and can agree on it — the log sends its newest signed checkpoint
 * to every witness of its policy (`POST <url>/add-checkpoint`, with a consistency proof from the size the
 * witness last cosigned), verifies each cosignature that comes back, and keeps the newest checkpoint whose
 * cosignatures satisfy the policy's quorum (with `quorum none`, every round's result is kept).
 *
 * Per witness the loop remembers the size the witness last cosigned for this log. It starts at 0; a 409
 * answer (Content-Type text/x.tlog.size) tells the witness's size, and the request is retried once at once
 * with it. A witness that fails (network, timeout, another status, a cosignature that does not verify) is
 * skipped for the round and reported through `warn`, at most once per witness per minute; it never stops
 * the loop. The newest witnessed checkpoint is handed to `save` (the log keeps it durably beside its data) and
 * taken back at start-up with `restore`, so a log with a quorum serves reads at once after a restart.
 *
 * A witness whose 409 says it cosigned a tree larger than our newest signed one has seen a checkpoint of ours
 * that this log no longer holds: the data is stale (restored from an old copy). `onAhead` is told, and the log
 * stops writing rather than sign a fork of what the witness holds.
 */
import { StamplogError, bytesEqual, readBodyCapped } from '../base/index.ts';
import type { Hash } from '../merkle/index.ts';
import {
  cosignatureVerifier,
  parseVerifierKey,
  formatNote,
  openNote,
  parseNote,
  QUORUM_NONE,
  quorumSatisfied,
  formatAddCheckpoint,
  isTlogSizeType,
  parseTlogSize,
} from '../note/index.ts';
import type { NoteSignature, Policy, PolicyWitness } from '../note/index.ts';

/** A signed checkpoint as the log holds it. */
export interface SignedCheckpoint {
  size: number;
  root: Hash;
  /** Note text with signature lines. */
  note: string;
}

/** A checkpoint with the witness cosignatures gathered for it, ready to publish. */
export interface WitnessedCheckpoint extends SignedCheckpoint {
  /** Policy-local names of the witnesses whose cosignatures verified. */
  witnesses: readonly string[];
}

/** What the loop needs of the log: its newest signed checkpoint and consistency proofs up to it. */
export interface CheckpointSource {
  readonly latestSigned: SignedCheckpoint;
  proveConsistency(from: number, to: number): Hash[];
}

/** One HTTP answer of a witness. */
export interface WitnessResponse {
  status: number;
  contentType: string;
  body: string;
}

/** Sends an add-checkpoint body to `url`; injectable so that tests can stand in for the network. */
export type WitnessPoster = (url: string, body: string, signal: AbortSignal) => Promise<WitnessResponse>;

export interface WitnessingOptions {
  /** The trust policy: its `witness` lines (each with a URL) and its quorum. */
  policy: Policy;
  /** Milliseconds between rounds. */
  intervalMs: number;
  /** Milliseconds one witness request may take. */
  timeoutMs: number;
  post?: WitnessPoster;
  warn?: (message: string) => void;
  /** Durably keeps the newest witnessed checkpoint's note (with its cosignatures); rounds never overlap a save. */
  save?: (note: string) => void | Promise<void>;
  /** Told when a witness holds a larger tree of this log than the newest one the log signed. */
  onAhead?: (why: string) => void;
}

export const DEFAULT_WITNESS_INTERVAL_MS = 1_000;
export const DEFAULT_WITNESS_TIMEOUT_MS = 5_000;
/** Largest witness answer read; a few cosignature lines are ~150 bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;
const WARN_EVERY_MS = 60_000;
/** Most appends waiting for a witnessed checkpoint at once. */
const MAX_WAITERS = 65_536;

/**
 * Checks that every witness of `policy` has a URL the log can reach and, given the log's key, that the policy's
 * log lines (if any) include it; throws MALFORMED naming the line otherwise.
 */
export function checkWitnessPolicy(policy: Policy, logVerifierKey?: string): void {
  const ours = logVerifierKey === undefined ? undefined : parseVerifierKey(logVerifierKey);
  if (ours !== undefined && policy.logs.length > 0 && !policy.logs.some((l) => l.key.name === ours.name && bytesEqual(l.key.publicKey, ours.publicKey))) {
    throw new StamplogError('MALFORMED', "witness policy: it lists logs, but not this log's key");
  }
  for (const w of policy.witnesses) {
    if (w.url === undefined || !/^https?:\/\/[^\s/]+/.test(w.url)) {
      throw new StamplogError('MALFORMED', `witness policy line ${w.line}: witness ${w.name} needs an http(s) URL the log can send checkpoints to`);
    }
  }
  if (policy.witnesses.length === 0) throw new StamplogError('MALFORMED', 'witness policy: no witness lines');
}

export const fetchPoster: WitnessPoster = async (url, body, signal) => {
  const target = `${url.replace(/\/+$/, '')}/add-checkpoint`;
  const res = await fetch(target, { method: 'POST', body, signal, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  const answer = new TextDecoder('utf-8', { fatal: true }).decode(await readBodyCapped(res, target, MAX_ANSWER_BYTES));
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: answer };
};

interface WitnessState {
  readonly witness: PolicyWitness;
  readonly verifier: ReturnType<typeof cosignatureVerifier>;
  /** The size this witness last cosigned for us, as far as we know. */
  knownSize: number;
  lastWarned: number;
}

interface Waiter {
  size: number;
  resolve: (cp: WitnessedCheckpoint) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

export class Witnessing {
  readonly #source: CheckpointSource;
  readonly #opts: WitnessingOptions;
  readonly #post: WitnessPoster;
  readonly #witnesses: WitnessState[];
  #latest: WitnessedCheckpoint | undefined;
  #waiters: Waiter[] = [];
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  constructor(source: CheckpointSource, opts: WitnessingOptions) {
    this.#source = source;
    this.#opts = opts;
    this.#post = opts.post ?? fetchPoster;
    this.#witnesses = opts.policy.witnesses.map((w) => ({ witness: w, verifier: cosignatureVerifier(w.key), knownSize: 0, lastWarned: -Infinity }));
  }

  /** True when the policy requires cosignatures before a checkpoint may be published. */
  get requiresQuorum(): boolean {
    return this.#opts.policy.quorum !== QUORUM_NONE;
  }

  /** The newest checkpoint whose cosignatures satisfy the quorum, if any round produced one. */
  get latest(): WitnessedCheckpoint | undefined {
    return this.#latest;
  }

  /**
   * Takes back a witnessed checkpoint saved before a restart: `cp.note` must carry cosignatures (verified here)
   * that satisfy the quorum; the caller checked that it is this log's checkpoint of the stored tree. Throws
   * POLICY_UNSATISFIED otherwise.
   */
  restore(cp: SignedCheckpoint): void {
    const cosigned: string[] = [];
    for (const w of this.#witnesses) {
      try {
        if (openNote(cp.note, [w.verifier]).verified.length > 0) cosigned.push(w.witness.name);
      } catch {
        // no valid cosignature by this witness
      }
    }
    if (cosigned.length === 0 || !quorumSatisfied(this.#opts.policy, cosigned)) {
      throw new StamplogError('POLICY_UNSATISFIED', `the saved checkpoint (size ${cp.size}) does not carry the quorum's cosignatures`);
    }
    for (const w of this.#witnesses) if (cosigned.includes(w.witness.name)) w.knownSize = Math.max(w.knownSize, cp.size);
    this.#latest = { size: cp.size, root: cp.root, note: cp.note, witnesses: cosigned };
  }

  /** Starts the cadence: one round now, then one every `intervalMs` after the previous round ended. */
  start(): void {
    const tick = () => {
      this.#timer = undefined;
      this.#running = this.round().finally(() => {
        this.#running = undefined;
        if (!this.#stopped) this.#timer = setTimeout(tick, this.#opts.intervalMs);
      });
    };
    tick();
  }

  /**
   * Stops the cadence after the round in progress (and, with `finalRound`, one more round if anybody is
   * waiting, so that a clean shutdown answers them); rejects every waiter still waiting.
   */
  async stop(opts: { finalRound?: boolean } = {}): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    await this.#running;
    if (opts.finalRound === true && this.#waiters.length > 0) await this.round();
    for (const w of this.#waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(notWitnessed(w.size, 'the log is shutting down'));
    }
  }

  /**
   * Resolves with the first witnessed checkpoint of at least `size` leaves, or rejects with PUSHBACK after
   * `timeoutMs` (the entries are logged; asking again returns them, once witnessed).
   */
  waitFor(size: number, timeoutMs: number): Promise<WitnessedCheckpoint> {
    const have = this.#latest;
    if (have !== undefined && have.size >= size) return Promise.resolve(have);
    if (this.#stopped) return Promise.reject(notWitnessed(size, 'the log is shutting down'));
    // Bounded like the sequencer's queue: during a long witness outage, answer at once rather than hold more.
    if (this.#waiters.length >= MAX_WAITERS) return Promise.reject(notWitnessed(size, `${MAX_WAITERS} appends are already waiting for the quorum`));
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        size,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.#waiters = this.#waiters.filter((w) => w !== waiter);
          reject(notWitnessed(size, `the witness quorum did not cosign it within ${timeoutMs} ms`));
        }, timeoutMs),
      };
      this.#waiters.push(waiter);
    });
  }

  /** One round: every witness is asked (concurrently) to cosign the newest signed checkpoint. */
  async round(): Promise<void> {
    const cp = this.#source.latestSigned;
    const have = this.#latest;
    // Nothing new, and everybody already cosigned it: asking again would only refresh timestamps.
    if (have !== undefined && have.size === cp.size && have.witnesses.length === this.#witnesses.length) return;
    const parsed = parseNote(cp.note);
    const results = await Promise.all(this.#witnesses.map((w) => this.#ask(w, cp, parsed.text)));
    const cosigned: string[] = [];
    const signatures: NoteSignature[] = [...parsed.signatures];
    for (let i = 0; i < results.length; i++) {
      const sig = results[i];
      if (sig === undefined) continue;
      cosigned.push(this.#witnesses[i].witness.name);
      signatures.push(sig);
    }
    if (!quorumSatisfied(this.#opts.policy, cosigned)) return;
    // A slower round must never replace a newer result.
    if (this.#latest !== undefined && this.#latest.size > cp.size) return;
    const witnessed: WitnessedCheckpoint = { size: cp.size, root: cp.root, note: formatNote(parsed.text, signatures), witnesses: cosigned };
    this.#latest = witnessed;
    const ready = this.#waiters.filter((w) => w.size <= cp.size);
    this.#waiters = this.#waiters.filter((w) => w.size > cp.size);
    for (const w of ready) {
      clearTimeout(w.timer);
      w.resolve(witnessed);
    }
    try {
      await this.#opts.save?.(witnessed.note);
    } catch (e) {
      // Serving it is still right (it is signed and cosigned); only a restart would have to gather it again.
      this.#opts.warn?.(`could not save the witnessed checkpoint: ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  /** Asks one witness; resolves with its verified cosignature, or undefined (and a warning) on any failure. */
  async #ask(w: WitnessState, cp: SignedCheckpoint, text: string): Promise<NoteSignature | undefined> {
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        const old = w.knownSize <= cp.size ? w.knownSize : 0;
        const proof = old === 0 || old === cp.size ? [] : this.#source.proveConsistency(old, cp.size);
        const body = formatAddCheckpoint({ oldSize: old, proof, note: cp.note });
        const res = await this.#post(w.witness.url as string, body, AbortSignal.timeout(this.#opts.timeoutMs));
        if (res.status === 409 && isTlogSizeType(res.contentType)) {
          const size = parseTlogSize(res.body);
          if (size === undefined) throw new Error('409 with a malformed size');
          if (size > cp.size) {
            const why = `witness ${w.witness.name} has cosigned a checkpoint of this log of size ${size}, beyond the newest this log signed (${cp.size}): the data directory is older than what was published`;
            this.#opts.onAhead?.(why);
            throw new Error(why);
          }
          if (size === old) throw new Error(`409 at old size ${old}: the witness holds another tree of that size`);
          w.knownSize = size;
          continue;
        }
        if (res.status !== 200) throw new Error(`HTTP ${res.status}: ${res.body.slice(0, 200).trim()}`);
        const sig = this.#verifyAnswer(w, text, res.body);
        w.knownSize = cp.size;
        return sig;
      }
      throw new Error('two 409 answers in a row');
    } catch (e) {
      const now = Date.now();
      if (now - w.lastWarned >= WARN_EVERY_MS) {
        w.lastWarned = now;
        this.#opts.warn?.(`witness ${w.witness.name} (${w.witness.url}): no cosignature for size ${cp.size}: ${e instanceof Error ? e.message : String(e)}`);
      }
      return undefined;
    }
  }

  /** The witness's cosignature among the signature lines of `body`, verified over the checkpoint `text`. */
  #verifyAnswer(w: WitnessState, text: string, body: string): NoteSignature {
    const opened = openNote(`${text}\n${body.endsWith('\n') ? body : `${body}\n`}`, [w.verifier]);
    const sig = opened.verified[0];
    if (sig === undefined) throw new Error('the answer carries no valid cosignature by the witness key');
    return { name: sig.name, keyId: sig.keyId, signature: sig.signature };
  }
}

function notWitnessed(size: number, why: string): StamplogError {
  return new StamplogError('PUSHBACK', `entries below index ${size} are logged but not yet published: ${why}; ask again (resubmission returns the same entries)`, {
    details: { retryAfterSeconds: 1 },
  });
}
