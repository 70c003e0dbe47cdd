/**
 * Key layout shared by the byte-oriented drivers (LevelDB, memory). Every key is a string whose sort order is
 * the order the log reads in: indexes are fixed-width (16 hex digits), and parts are separated by U+0000,
 * which the entry validator forbids in every text field, so one search key can never be a prefix of another.
 */
import type { SearchField } from './types.ts';

const SEP = '\u0000';

/** Fixed-width, order-preserving encoding of an index (≤ 2^53 − 1). */
export function indexKeyPart(index: number): string {
  return index.toString(16).padStart(16, '0');
}

export const SIZE_KEY = `meta${SEP}size`;
export const CHECKPOINT_KEY = `meta${SEP}checkpoint`;
/** The format of the search rows (searchrows.ts SEARCH_FORMAT); absent in logs written before formats. */
export const SEARCH_FORMAT_KEY = `meta${SEP}search-format`;

export function leafKey(index: number): string {
  return `leaf${SEP}${indexKeyPart(index)}`;
}

export function tileKey(level: number, index: number): string {
  return `tile${SEP}${level.toString(16).padStart(2, '0')}${SEP}${indexKeyPart(index)}`;
}

export function dedupKey(key: string): string {
  return `dedup${SEP}${key}`;
}

/** The prefix under which all rows for (field, key) sort by index. */
export function searchPrefix(field: SearchField, key: string): string {
  return `search${SEP}${field}${SEP}${key}${SEP}`;
}

export function searchKey(field: SearchField, key: string, index: number): string {
  return searchPrefix(field, key) + indexKeyPart(index);
}

/** The index encoded at the end of a search row key. */
export function indexFromSearchKey(key: string): number {
  return parseInt(key.slice(key.length - 16), 16);
}
