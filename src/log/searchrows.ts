/**
 * The search index's rows and keys (DESIGN §4 search by sha256, filename, project and project+version). Leaf
 * hashes are found from the in-memory tree (leafindex.ts), without rows. Rows are written under the same key
 * a query is looked up under (`searchKey`), so that every spelling of one name finds the same entries:
 *
 *   sha256          64 lowercase hex digits
 *   filename        the filename's NFC form (filenameKey): `é` sent as U+00E9 or as `e` U+0301 is one file
 *   project         the PEP 503 normalised project name after NFC (projectKey): `Requests`, `requests` and
 *                   `REQUESTS_` are one project
 *   projectVersion  projectKey(project) U+0000 version (the version exactly as spelled)
 *
 * A projectVersion query comes as `project U+0000 version` with the project as asked; its project part is
 * normalised here. No key contains U+0000 otherwise: every text field refuses control characters, so the
 * first U+0000 is the separator.
 *
 * SEARCH_FORMAT numbers this key scheme. A store whose rows are of an older format (0: names as logged, before
 * these keys) is re-indexed once when the log opens (log.ts): rows under the current keys are added for every
 * stored leaf, then the format is recorded; the old rows stay, unread.
 */
import { filenameKey, projectKey, toHex } from '../leaf/index.ts';
import type { Entry } from '../leaf/index.ts';
import type { SearchField, SearchRow } from '../store/index.ts';

/** The format of the rows `searchRows` writes. */
export const SEARCH_FORMAT = 1;

/** The key a search for `value` under `field` looks up (and the key its rows are written under). */
export function searchKey(field: SearchField, value: string): string {
  switch (field) {
    case 'sha256':
      return value;
    case 'filename':
      return filenameKey(value);
    case 'project':
      return projectKey(value);
    case 'projectVersion': {
      const at = value.indexOf('\u0000');
      return at < 0 ? projectKey(value) : `${projectKey(value.slice(0, at))}${value.slice(at)}`;
    }
  }
}

/** The search rows for `entry` logged at `index`. */
export function searchRows(entry: Entry, index: number): SearchRow[] {
  const s = entry.subject;
  const project = projectKey(s.project);
  return [
    { field: 'sha256', key: toHex(s.sha256), index },
    { field: 'filename', key: filenameKey(s.filename), index },
    { field: 'project', key: project, index },
    { field: 'projectVersion', key: `${project}\u0000${s.version}`, index },
  ];
}
