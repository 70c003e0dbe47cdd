/**
 * Alerts: every finding of the monitor is one structured Alert, the same shape whether it is printed on
 * stderr (one line `stamplog-monitor: ALERT <json>`), posted to a webhook (the JSON as the body), stored in
 * the state database or returned by a one-shot audit (whose exit status is non-zero when there were any).
 *
 *   { "type": "substitution", "origin": "example.test/log", "indexes": [3, 17],
 *     "message": "…", "details": { "filename": "…", "digests": ["…", "…"] }, "at": "2024-05-29T15:37:47.000Z" }
 *
 * `indexes` are the leaf indexes involved (empty for findings about tree heads); `details` are the facts a
 * human or a script needs to act, per type (see checks/, follow/, witness/gossip.ts).
 */
import { request } from '../../src/client/index.ts';

export type AlertType =
  /** One filename logged with more than one digest (artifact substitution). */
  | 'substitution'
  /** A project's entries signed by a publisher key not seen before for that project. */
  | 'publisher-key-change'
  /** A leaf's time earlier than an earlier leaf's by more than the tolerance. */
  | 'time-backwards'
  /** A leaf's time earlier than a witnessed tree head that did not contain it. */
  | 'backdated'
  /** A leaf's time later than a witnessed tree head that already contained it. */
  | 'future-dated'
  /** A leaf that does not decode as a canonical stamplog entry. */
  | 'malformed-leaf'
  /** A publisher or vetter signature in a leaf that does not verify. */
  | 'invalid-signature'
  /** Maintainer watch: an artifact of a watched project not signed by one of its keys. */
  | 'unauthorized-artifact'
  /** Two signed checkpoints that no append-only tree can produce (evidence stored). */
  | 'equivocation'
  /**
   * The log served a checkpoint smaller than one it signed before: evidence stored when a trusted signed time
   * shows the smaller one is the later (evidence.ts); otherwise both signed notes are in `details`.
   */
  | 'rollback'
  /** A validly signed checkpoint whose tree the log does not serve (the signed note is in `details`). */
  | 'unproven-checkpoint'
  /** Entry bundles that do not hash to the signed tree. */
  | 'bundle-mismatch'
  /** A partial entry bundle already audited, re-fetched as the tree grew, with some of those leaves changed. */
  | 'bundle-altered'
  /** The log served a checkpoint that does not verify. */
  | 'bad-checkpoint';

export interface Alert {
  type: AlertType;
  origin: string;
  indexes: number[];
  message: string;
  details: Record<string, unknown>;
  /** When the monitor raised it (ISO 8601). */
  at?: string;
}

/** Where alerts go. `emit` never throws. */
export interface AlertSink {
  emit(alert: Alert): Promise<void>;
}

/** Writes `stamplog-monitor: ALERT <json>` lines with `write` (default: stderr). */
export function stderrSink(write: (line: string) => void = (l) => process.stderr.write(l)): AlertSink {
  return {
    emit: async (alert) => {
      write(`stamplog-monitor: ALERT ${JSON.stringify(alert)}\n`);
    },
  };
}

/** POSTs each alert as JSON to `url` (bounded, 5 s); failures are reported with `warn`, never thrown. */
export function webhookSink(url: string, warn: (msg: string) => void = (m) => process.stderr.write(`${m}\n`)): AlertSink {
  return {
    emit: async (alert) => {
      try {
        const a = await request(url, { method: 'POST', body: JSON.stringify(alert), headers: { 'content-type': 'application/json' } }, { timeoutMs: 5_000, maxBytes: 1 << 16 });
        if (a.status < 200 || a.status > 299) warn(`stamplog-monitor: webhook ${url} answered ${a.status}`);
      } catch (e) {
        warn(`stamplog-monitor: webhook ${url} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    },
  };
}

/** Fans alerts out to sinks and counts them. */
export class Alerter {
  readonly #sinks: AlertSink[];
  #count = 0;

  constructor(sinks: readonly AlertSink[]) {
    this.#sinks = [...sinks];
  }

  /** Number of alerts emitted so far. */
  get count(): number {
    return this.#count;
  }

  async emit(alerts: readonly Alert[]): Promise<void> {
    for (const a of alerts) {
      this.#count++;
      await Promise.all(this.#sinks.map((s) => s.emit(a)));
    }
  }
}
