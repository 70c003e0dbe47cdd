/**
 * The log's time (DESIGN §4): each batch gets one time, which is now, but never before a time already issued
 * (times in the log never go back), and never a time the wall clock jumped to. The clock may step back a little
 * (maxClockBackMs): leaves then get the latest issued time again; beyond that, and after a forward jump beyond
 * maxClockJumpMs (told from elapsed time by a clock that never jumps, when there is one), appends are refused
 * (CLOCK_BEHIND, CLOCK_AHEAD) until the clock is right again, rather than sign a time known to be wrong.
 */
import { StamplogError } from '../base/index.ts';

export interface LogTimeDeps {
  /** Wall clock, ms since the epoch. */
  clock: () => number;
  /** A clock that never jumps (ms, any origin), for maxClockJumpMs; without it, forward jumps are not detected. */
  monotonic?: (() => number) | undefined;
  /** The latest time (ms) issued in a leaf or checkpoint. */
  lastTime: number;
  maxClockBackMs: number;
  maxClockJumpMs: number;
  /** Called when appends start being refused for the clock (with the reason) and when they are taken again. */
  onClock?: ((problem: StamplogError | undefined) => void) | undefined;
}

export class LogTime {
  #lastTime: number;
  /** A wall-clock time and the monotonic clock's reading then, to tell elapsed time from a jump (maxClockJumpMs). */
  #anchor: { wall: number; mono: number } | undefined;
  /** The clock condition last reported through onClock (a code), if any. */
  #reported: string | undefined;

  constructor(private readonly deps: LogTimeDeps) {
    this.#lastTime = deps.lastTime;
    if (deps.monotonic !== undefined) this.#anchor = { wall: Math.max(deps.clock(), this.#lastTime), mono: deps.monotonic() };
  }

  /** Why a time would be refused now (CLOCK_BEHIND / CLOCK_AHEAD), if it would. */
  get problem(): StamplogError | undefined {
    try {
      this.#now();
      return undefined;
    } catch (e) {
      return e instanceof StamplogError ? e : undefined;
    }
  }

  /** The time for the next batch, or a throw of CLOCK_BEHIND / CLOCK_AHEAD; reports a resolved problem. */
  next(): number {
    const time = this.#now();
    if (this.#reported !== undefined) {
      this.#reported = undefined;
      this.deps.onClock?.(undefined);
    }
    return time;
  }

  /** Records that `time` (from next) was issued to a batch. */
  issued(time: number): void {
    this.#lastTime = time;
    if (this.deps.monotonic !== undefined) this.#anchor = { wall: time, mono: this.deps.monotonic() };
  }

  /** Reports a refusal for the clock (from next) through onClock, once per condition. */
  refused(problem: StamplogError): void {
    if (this.#reported === problem.code) return;
    this.#reported = problem.code;
    this.deps.onClock?.(problem);
  }

  #now(): number {
    const now = this.deps.clock();
    const last = this.#lastTime;
    if (now < last - this.deps.maxClockBackMs) {
      throw new StamplogError(
        'CLOCK_BEHIND',
        `the log's clock is ${last - now} ms behind the latest time it issued (${new Date(last).toISOString()}); ` +
          'refusing to sequence until it catches up (times in the log never go back)',
        { details: { retryAfterSeconds: Math.min(3600, Math.ceil((last - now) / 1000)) } },
      );
    }
    const anchor = this.#anchor;
    if (this.deps.monotonic !== undefined && anchor !== undefined) {
      const expected = anchor.wall + (this.deps.monotonic() - anchor.mono);
      if (now - expected > this.deps.maxClockJumpMs) {
        throw new StamplogError(
          'CLOCK_AHEAD',
          `the wall clock (${new Date(now).toISOString()}) jumped ${Math.round(now - expected)} ms ahead of the time elapsed since the log last ` +
            `checked it (${new Date(anchor.wall).toISOString()}); refusing to issue it. Fix the clock (appends resume by themselves), or ` +
            'if the new time is right, restart the server',
          { details: { retryAfterSeconds: 60 } },
        );
      }
    }
    return Math.max(now, last);
  }
}
