/**
 * Tiny benchmark harness: runs a measurement several times and reports the median rate, so one slow round
 * (GC, the machine's drifting speed) does not decide the figure. Figures go to docs/benchmarks.md.
 */
import { performance } from 'node:perf_hooks';

export interface Rate {
  name: string;
  /** Operations per second, median over rounds. */
  perSecond: number;
  rounds: number[];
  unit: string;
}

/** Runs `fn` (which performs `ops` operations) `opts.rounds` times (5); returns the median rate in `opts.unit` (ops/s). */
export function measure(name: string, ops: number, fn: () => void, opts: { rounds?: number; unit?: string } = {}): Rate {
  const { rounds = 5, unit = 'ops/s' } = opts;
  const rates: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    fn();
    const ms = performance.now() - t0;
    rates.push((ops * 1000) / ms);
  }
  return { name, perSecond: median(rates), rounds: rates, unit };
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Prints one result line, aligned, e.g. `tree appends (in memory)        412,345 ops/s`. */
export function report(r: Rate): void {
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
  console.log(`${r.name.padEnd(58)} ${fmt(r.perSecond).padStart(12)} ${r.unit}   (rounds: ${r.rounds.map(fmt).join(', ')})`);
}
