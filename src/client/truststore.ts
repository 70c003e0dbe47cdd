/**
 * Trust on first use (DESIGN §5). The trust store is a directory, `$STAMPLOG_HOME` (default
 * `$XDG_CONFIG_HOME/stamplog`, else `~/.config/stamplog`), holding one pin per log origin:
 *
 *     logs/<first 32 hex digits of SHA-256(origin)>.json
 *       { "origin": "example.org/log",
 *         "logKey": "example.org/log+1a2b3c4d+A…",          the log's verifier key, pinned on first use
 *         "checkpoint": "example.org/log\n42\n…\n\n— …\n" }  the largest checkpoint verified so far (signed note)
 *     evidence/<time>-<origin hash>-<random>.txt             both checkpoints of every refused inconsistency
 *
 * The rules, in terms of a pinned checkpoint P (size m, root r) and an offered checkpoint C (size n):
 *   - C must be signed by the pinned key; a log announcing another key for a pinned origin is refused;
 *   - n = m: C's root must be r;
 *   - n > m: the log must serve a consistency proof from m to n that verifies (RFC 9162 §2.1.4.2) against r
 *     and C's root; then C replaces P;
 *   - n < m: the log must serve a consistency proof from n to m that verifies against C's root and r (a log
 *     that cannot, because it is now smaller than m, has rolled back or is showing a different view); and
 *     when C is the log's CURRENT checkpoint (not an older one a receipt carries), n < m is refused as a
 *     rollback outright: a log's tree never shrinks, so a log now smaller than a tree it signed has lost
 *     entries (its data restored from an older copy) or shows a stale view, and answers about the entries
 *     n … m − 1 ("not logged") would be wrong;
 * every failure is an INCONSISTENT error tagged `consistency` whose message prints both checkpoints, also
 * saved under evidence/. Pins are replaced atomically (temporary file + rename). Two clients racing on one
 * store can at worst pin the smaller of two consistent checkpoints, never an unverified one.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { StamplogError, isStamplogError, toBase64 } from '../base/index.ts';
import { verifyConsistency } from '../merkle/index.ts';
import { openCheckpoint, ed25519NoteVerifier, parseVerifierKey } from '../note/index.ts';
import type { Checkpoint } from '../note/index.ts';
import { failure } from '../verify/index.ts';
import { readJSONIfExists, writeFileAtomic } from './files.ts';

/** The trust store directory: `$STAMPLOG_HOME`, else `$XDG_CONFIG_HOME/stamplog`, else `~/.config/stamplog`. */
export function defaultTrustHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.STAMPLOG_HOME) return env.STAMPLOG_HOME;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'stamplog');
  return join(homedir(), '.config', 'stamplog');
}

/** One pinned log. */
export interface Pin {
  origin: string;
  logKey: string;
  /** The largest verified checkpoint (a signed note), absent until one was seen. */
  checkpoint?: string;
}

/** Proves that the tree of `from` leaves is a prefix of the tree of `to` leaves (1 ≤ from < to). */
export type ConsistencyProver = (from: number, to: number) => Promise<Uint8Array[]>;

/** Options of {@link TrustStore.observe}. */
export interface ObserveOptions {
  /** The note is the log's current checkpoint (what it serves now), not an older one such as a receipt's. */
  current?: boolean;
}

/** What {@link TrustStore.observe} concluded. */
export interface Observation {
  checkpoint: Checkpoint;
  /** The pinned checkpoint before this observation (undefined on first use). */
  previous?: Checkpoint;
  /** True when the offered checkpoint became the pin. */
  advanced: boolean;
}

function originId(origin: string): string {
  return createHash('sha256').update(origin, 'utf8').digest('hex').slice(0, 32);
}

function indent(note: string): string {
  return note
    .replace(/\n$/, '')
    .split('\n')
    .map((l) => `    ${l}`)
    .join('\n');
}

export class TrustStore {
  readonly dir: string;

  constructor(dir: string = defaultTrustHome()) {
    this.dir = dir;
  }

  /** The path of `origin`'s pin file. */
  pinPath(origin: string): string {
    return join(this.dir, 'logs', `${originId(origin)}.json`);
  }

  /** The pin of `origin`, or undefined if this client never saw that log. */
  async get(origin: string): Promise<Pin | undefined> {
    const path = this.pinPath(origin);
    const j = await readJSONIfExists(path, 'trust store: ', 'fix or remove it');
    if (j === undefined) return undefined;
    const p = j as Partial<Pin>;
    if (typeof p !== 'object' || p === null || p.origin !== origin || typeof p.logKey !== 'string' || (p.checkpoint !== undefined && typeof p.checkpoint !== 'string')) {
      throw failure('usage', 'MALFORMED', `trust store: ${path} is not a pin of ${origin}; fix or remove it`);
    }
    return p.checkpoint === undefined ? { origin, logKey: p.logKey } : { origin, logKey: p.logKey, checkpoint: p.checkpoint };
  }

  /** Writes `pin` atomically. */
  async put(pin: Pin): Promise<void> {
    await mkdir(join(this.dir, 'logs'), { recursive: true, mode: 0o700 });
    await writeFileAtomic(this.pinPath(pin.origin), JSON.stringify(pin, null, 2) + '\n');
  }

  /**
   * The log key pinned for `origin`. On first use, `announced` (the key the log itself announces, or one
   * the user configured) is pinned and `firstUse` is true. A different `announced` key for a pinned origin
   * is refused (INCONSISTENT, tagged `consistency`): a log does not change its key.
   */
  async pinKey(origin: string, announced: string): Promise<{ logKey: string; firstUse: boolean }> {
    const pin = await this.get(origin);
    if (pin !== undefined) {
      if (pin.logKey !== announced) {
        throw failure(
          'consistency',
          'INCONSISTENT',
          `REFUSED: the log ${origin} now announces the key\n    ${announced}\nbut this client pinned\n    ${pin.logKey}\n` +
            `(in ${this.pinPath(origin)}). A log never changes its key: this is another log posing as it, or a compromise.`,
          { details: { pinned: pin.logKey, announced } },
        );
      }
      return { logKey: pin.logKey, firstUse: false };
    }
    const key = parseVerifierKey(announced);
    if (key.name !== origin) throw failure('log-signature', 'UNVERIFIED', `the log key ${announced} is not named after the origin ${origin}`);
    ed25519NoteVerifier(key); // type 0x01, or throws
    await this.put({ origin, logKey: announced });
    return { logKey: announced, firstUse: true };
  }

  /**
   * Verifies the signed checkpoint `note` against the key pinned for its origin and proves it consistent
   * with the pinned checkpoint (see the module comment), advancing the pin when it is larger. Throws
   * UNVERIFIED (tagged `log-signature`) if the pinned key did not sign it, INCONSISTENT (tagged
   * `consistency`, evidence printed and saved) if it contradicts the pin, and the prover's own errors when
   * the log cannot be asked (a ServerError, tagged `server`) — except a refusal to prove a size the log
   * claims not to have, which is itself inconsistency. With `opts.current`, a checkpoint smaller than the
   * pinned one is refused as a rollback (INCONSISTENT, both sizes named) without asking for a proof.
   */
  async observe(origin: string, note: string, prove: ConsistencyProver, opts: ObserveOptions = {}): Promise<Observation> {
    const pin = await this.get(origin);
    if (pin === undefined) throw failure('usage', 'NOT_FOUND', `trust store: no key pinned for the log ${origin}`);
    const verifier = ed25519NoteVerifier(pin.logKey);
    let offered: Checkpoint;
    try {
      offered = openCheckpoint(note, verifier, { origin }).checkpoint;
    } catch (e) {
      throw failure('log-signature', isStamplogError(e) ? e.code : 'UNVERIFIED', `checkpoint: ${(e as Error).message} (pinned key ${pin.logKey})`, { cause: e });
    }
    if (pin.checkpoint === undefined) {
      await this.put({ ...pin, checkpoint: note });
      return { checkpoint: offered, advanced: true };
    }
    let pinned: Checkpoint;
    try {
      pinned = openCheckpoint(pin.checkpoint, verifier, { origin }).checkpoint;
    } catch (e) {
      throw failure('usage', 'MALFORMED', `trust store: the pinned checkpoint in ${this.pinPath(origin)} does not verify: ${(e as Error).message}`, { cause: e });
    }
    const refuse = async (why: string, cause?: unknown): Promise<never> => {
      const evidence =
        `stamplog: REFUSED: the log ${origin} is not consistent with what this client saw before ` +
        `(a split view, a rollback, or a forked log).\n${why}\n` +
        `pinned checkpoint (size ${pinned.size}, from ${this.pinPath(origin)}):\n${indent(pin.checkpoint ?? '')}\n` +
        `offered checkpoint (size ${offered.size}):\n${indent(note)}\n`;
      const saved = await this.saveEvidence(origin, evidence).catch(() => undefined);
      throw failure('consistency', 'INCONSISTENT', evidence + (saved === undefined ? '' : `evidence saved to ${saved}\n`), {
        cause,
        details: { pinned: pin.checkpoint, offered: note },
      });
    };
    // A current checkpoint smaller than the pin is a rollback whatever the proof says; the proof only tells a
    // lost or stale suffix (proven a prefix) from a fork, and the message says which.
    const rollback =
      opts.current === true && offered.size < pinned.size
        ? `ROLLBACK: the log's current checkpoint has tree size ${offered.size}, smaller than the tree size ${pinned.size} it signed ` +
          `before and this client pinned. A log's tree never shrinks: nothing it says now about the entries ${offered.size} to ` +
          `${pinned.size - 1} can be trusted. `
        : '';
    const [small, large] = offered.size <= pinned.size ? [offered, pinned] : [pinned, offered];
    let proof: Uint8Array[] = [];
    if (small.size > 0 && small.size < large.size) {
      try {
        proof = await prove(small.size, large.size);
      } catch (e) {
        // The log signed a tree of large.size leaves, or we pinned one: it cannot claim not to have it.
        if (e instanceof StamplogError && (e.details?.status === 404 || e.details?.status === 400)) {
          return refuse(`${rollback}the log cannot prove that its tree of ${small.size} leaves is a prefix of the tree of ${large.size} leaves: ${e.message}`, e);
        }
        throw e;
      }
    }
    try {
      verifyConsistency(small.size, large.size, proof, small.rootHash, large.rootHash);
    } catch (e) {
      if (small.size === large.size) {
        return refuse(`two different roots for the same tree size ${small.size}: ${toBase64(pinned.rootHash)} pinned, ${toBase64(offered.rootHash)} offered`, e);
      }
      return refuse(`${rollback}the consistency proof from size ${small.size} to ${large.size} does not verify: ${(e as Error).message}`, e);
    }
    if (rollback !== '') {
      return refuse(
        `${rollback}Its tree is a prefix of the pinned one: the log lost its newer entries (its data restored from an older copy) or ` +
          'serves a stale view.',
      );
    }
    const advanced = offered.size > pinned.size;
    if (advanced) await this.put({ ...pin, checkpoint: note });
    return { checkpoint: offered, previous: pinned, advanced };
  }

  /** Saves `text` as evidence; resolves with its path. */
  async saveEvidence(origin: string, text: string): Promise<string> {
    const dir = join(this.dir, 'evidence');
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const path = join(dir, `${new Date().toISOString().replace(/[:.]/g, '-')}-${originId(origin).slice(0, 8)}-${randomBytes(3).toString('hex')}.txt`);
    await writeFileAtomic(path, text);
    return path;
  }
}
