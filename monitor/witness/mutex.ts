/**
 * Per-key serialisation: `run(key, fn)` runs `fn` after every earlier `run` with the same key has settled, so
 * a read-check-write sequence on one key (a witness's state for one log) is atomic with respect to every other
 * sequence on that key in this process. Keys that are idle hold no memory.
 */
export class KeyedMutex {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return run;
  }
}
