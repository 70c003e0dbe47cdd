/**
 * The search index's rows and keys (DESIGN §4 search by sha256, filename, project and project+version). Leaf
 * hashes are found from the in-memory tree (leafindex.ts), without rows. Rows are written under the same key
 * a query is looked up under (`searchKey`), so that every spelling of one name finds the same entries.
 */
import { toHex } from '../leaf/codec.ts';
import type { Entry } from '../leaf/types.ts';
import type { SearchField, SearchRow } from '../store/types.ts';

/** The key a search for `value` under `field` looks up. */
export function searchKey(field: SearchField, value: string): string {
  void field;
  return value;
}

/** The search rows for `entry` logged at `index`. */
export function searchRows(entry: Entry, index: number): SearchRow[] {
  const s = entry.subject;
  return [
    { field: 'sha256', key: toHex(s.sha256), index },
    { field: 'filename', key: s.filename, index },
    { field: 'project', key: s.project, index },
    { field: 'projectVersion', key: `${s.project}\u0000${s.version}`, index },
  ];
}
