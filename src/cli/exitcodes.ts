/**
 * The exit statuses of `stamplog` (the table and their meanings are in exit.ts). Apart from exit.ts so that the
 * command line can answer `--help` and usage errors without loading what exit.ts needs to classify failures.
 */
export const EXIT = Object.freeze({
  OK: 0,
  FAILURE: 1,
  USAGE: 2,
  SERVER: 3,
  FILE: 10,
  PROOF: 11,
  LOG_SIGNATURE: 12,
  WITNESS_QUORUM: 13,
  PUBLISHER_KEY: 14,
  VETTERS: 15,
  MIN_AGE: 16,
  INCONSISTENT: 20,
  NOT_LOGGED: 21,
  CONTESTED: 22,
});
