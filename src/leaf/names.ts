/**
 * Names as the package index means them. The leaf keeps the exact spelling the index sent; identity
 * (search, "one filename, two digests", publisher keys, maintainer watch, client policies) compares keys:
 *
 * - a project's key is its PEP 503 normalised name (https://peps.python.org/pep-0503/#normalized-names):
 *   `re.sub(r"[-_.]+", "-", name).lower()`, applied after Unicode NFC so that canonically equivalent
 *   spellings meet;
 * - a filename's key is its Unicode NFC form (UAX #15): `é` as U+00E9 and as `e` U+0301 are one file.
 *
 * Intake rules (new submissions only: leaves already logged keep decoding as before):
 * - no invisible or bidirectional formatting characters (Unicode general category Cf: zero-width space and
 *   joiners, bidi embeddings/overrides/isolates, U+FEFF, tags…) and no line or paragraph separators
 *   (Zl U+2028, Zp U+2029), in any name; these make two names look alike or reorder what a person reads;
 * - a filename is a basename: no `/` or `\`, not `.` or `..`, no leading `.`.
 * Control characters (Cc) are refused for every text field by schema.ts already.
 */

/** Invisible, bidirectional-formatting and line/paragraph-separator characters. */
const INVISIBLE = /[\p{Cf}\p{Zl}\p{Zp}]/u;

/** Why `name` may not be used as a project, version or filename (invisible characters), or undefined. */
export function invisibleCharacterProblem(name: string): string | undefined {
  const m = INVISIBLE.exec(name);
  if (m === null) return undefined;
  const cp = m[0].codePointAt(0) as number;
  return `must not contain invisible or bidirectional formatting character U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Why `filename` is not a plain basename an index could serve, or undefined. */
export function filenameProblem(filename: string): string | undefined {
  if (filename.includes('/') || filename.includes('\\')) return 'must be a basename (no "/" or "\\")';
  if (filename.startsWith('.')) return 'must not start with "." (no hidden files, no "." or "..")';
  return invisibleCharacterProblem(filename);
}

/** A name already in PEP 503 key form (lowercase ASCII words joined by single hyphens): its own key. */
const PROJECT_KEY_FORM = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

/**
 * The PEP 503 normalised project name (after NFC): the key under which `Requests` and `requests` are one. Names
 * already in key form (most of an index's) are returned without normalising: the same result, on every upload.
 */
export function projectKey(project: string): string {
  if (PROJECT_KEY_FORM.test(project)) return project;
  return projectKeyByDefinition(project);
}

/** projectKey as PEP 503 writes it, for every name (the reference the shortcut above is tested against). */
export function projectKeyByDefinition(project: string): string {
  return project.normalize('NFC').replace(/[-_.]+/g, '-').toLowerCase();
}

/** The key under which two spellings of one filename compare equal (Unicode NFC; ASCII is its own). */
export function filenameKey(filename: string): string {
  return isAscii(filename) ? filename : filename.normalize('NFC');
}

/** ASCII text is its own NFC form. */
function isAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
  return true;
}

const INVISIBLE_ALL = /[\p{Cf}\p{Zl}\p{Zp}]/gu;

/**
 * `name` for a person to read: each invisible, bidirectional-formatting or separator character shown as
 * `<U+XXXX>`, so that a name logged before the intake rules cannot reorder or hide what a terminal prints.
 */
export function visibleName(name: string): string {
  return name.replace(INVISIBLE_ALL, (c) => `<U+${(c.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}>`);
}
