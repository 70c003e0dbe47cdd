/**
 * What the monitor watches, from a C2SP tlog-policy file (src/note parsePolicy): every `log <vkey> [<url>]` line
 * is a log (its key name is the origin; without a URL the monitor only witnesses and gossips it), and every
 * `witness <name> <vkey>` line is a cosigner whose cosignature timestamps count as witnessed times for the
 * backdating checks (list the log's own timestamp key, `<origin>/timestamp`, there to use its signed times).
 * The quorum line is not used by the monitor.
 */
import { readFile } from 'node:fs/promises';
import { cosignatureVerifier, ed25519NoteVerifier, formatVerifierKey, parsePolicy } from '../src/note/index.ts';
import type { CosignatureVerifier, NoteVerifier, Policy } from '../src/note/index.ts';

/** One log the monitor follows, witnesses or gossips about. */
export interface MonitoredLog {
  readonly origin: string;
  /** The log's verifier key string. */
  readonly vkey: string;
  readonly verifier: NoteVerifier;
  /** Base URL of its tlog-tiles endpoints; undefined: witness and gossip only. */
  readonly url?: string;
  /** Cosigners whose timestamps count as witnessed times (policy-local names). */
  readonly witnesses: readonly { readonly name: string; readonly verifier: CosignatureVerifier }[];
}

/** The monitored logs of `policy`. */
export function logsFromPolicy(policy: Policy): MonitoredLog[] {
  const witnesses = policy.witnesses.map((w) => ({ name: w.name, verifier: cosignatureVerifier(w.key) }));
  return policy.logs.map((l) => ({
    origin: l.key.name,
    vkey: formatVerifierKey(l.key.name, l.key.type, l.key.publicKey),
    verifier: ed25519NoteVerifier(l.key),
    ...(l.url === undefined ? {} : { url: l.url.replace(/\/+$/, '') }),
    witnesses,
  }));
}

/** Reads and parses the policy file at `path` (MALFORMED naming the line on errors). */
export async function loadPolicy(path: string): Promise<MonitoredLog[]> {
  return logsFromPolicy(parsePolicy(await readFile(path)));
}
