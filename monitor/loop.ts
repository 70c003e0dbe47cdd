/**
 * The daemon's polling loops (`stamplog-monitor run`): a task run every interval until a stop signal.
 *
 * One AbortSignal is shared by every loop for the daemon's whole life, so a wait must take its abort listener
 * off again when it ends by its timer: a listener added per pass and never removed grows without bound (one
 * per pass per loop, for months) and trips node's MaxListenersExceededWarning.
 */

/**
 * Resolves after `ms` milliseconds, or as soon as `signal` aborts (at once if it already has). Leaves no
 * listener on `signal` and no timer behind, whichever comes first.
 */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.resolve();
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(t);
      resolve();
    };
    const t = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/**
 * Runs `task` then waits `everyMs`, again and again until `signal` aborts. A task failure goes to `onError`,
 * which returns true to stop the loop (e.g. local state corruption) or false to carry on with the next pass.
 */
export async function repeat(everyMs: number, signal: AbortSignal, task: () => Promise<unknown>, onError: (e: unknown) => boolean): Promise<void> {
  while (!signal.aborted) {
    try {
      await task();
    } catch (e) {
      if (onError(e)) return;
    }
    await sleep(everyMs, signal);
  }
}
