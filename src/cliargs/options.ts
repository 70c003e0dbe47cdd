/** Option parsers shared by the `stamplog` and `stamplog-monitor` command lines (commander). */
import { createRequire } from 'node:module';
import type * as commander from 'commander';
import { canonicalDecimal } from '../base/index.ts';

/**
 * commander's InvalidArgumentError, loaded on first use through `require`, as src/cli/main.ts loads commander
 * (CommonJS): an ESM import of it costs start-up time.
 */
function invalidArgument(message: string): Error {
  const { InvalidArgumentError } = createRequire(import.meta.url)('commander') as typeof commander;
  return new InvalidArgumentError(message);
}

/** A parser for canonical decimal integers from `min` to `max`. */
export function integer(min: number, max: number): (v: string) => number {
  return (v: string): number => {
    const n = canonicalDecimal(v);
    if (n === undefined || n < min || n > max) throw invalidArgument(`expected an integer from ${min} to ${max}`);
    return n;
  };
}

/** Collects a repeatable option into an array. */
export const collect = (v: string, prev: string[]): string[] => [...prev, v];
