// The house rules of stamplog as one ESLint rule (`stamplog/boundaries`, wired in eslint.config.js), so that
// `npm run lint` fails on an import that crosses a wall. docs/design.md §1 draws the same house.
//
// A *unit* is a folder directly under src/ or monitor/ (src/merkle, monitor/follow, …); a file directly in src/
// or monitor/ belongs to the unit `src` or `monitor` (wiring and the public library). For every import, export
// … from and import('…') of a file in src/ or monitor/ (tests, benchmarks and scripts are not checked):
//   1. Another unit is entered only through its index.ts, its public surface.
//   2. A unit imports only the units its row of DEPENDS_ON names (the arrows of the house; no cycles).
//   3. Pure units import nothing from Node.js built-ins or from the packages that do I/O (type-only imports,
//      which load nothing, aside).
//   4. The monitor uses src/ only through the public surface of the units in MONITOR_MAY_USE (never the
//      server's internals: log, http, cli, receipts, ingest).
import { builtinModules } from 'node:module';
import { dirname, join, normalize, relative, sep } from 'node:path';

/** What each unit of src/ may import (besides itself). */
export const DEPENDS_ON = {
  'src/base': [],
  'src/crypto': ['src/base'],
  'src/merkle': ['src/base', 'src/crypto'],
  'src/note': ['src/base', 'src/crypto', 'src/merkle'],
  'src/leaf': ['src/base', 'src/crypto', 'src/note'],
  'src/verify': ['src/base', 'src/crypto', 'src/merkle', 'src/note', 'src/leaf'],
  'src/receipts': ['src/base', 'src/crypto', 'src/merkle', 'src/note', 'src/leaf'],
  'src/store': ['src/base', 'src/crypto', 'src/merkle'],
  'src/log': ['src/base', 'src/crypto', 'src/merkle', 'src/note', 'src/leaf', 'src/store', 'src/receipts'],
  'src/http': ['src/base', 'src/crypto', 'src/merkle', 'src/note', 'src/leaf', 'src/log', 'src/receipts'],
  'src/client': ['src/base', 'src/crypto', 'src/merkle', 'src/note', 'src/leaf', 'src/verify', 'src/store'],
  'src/ingest': ['src/base', 'src/crypto', 'src/merkle', 'src/note', 'src/leaf', 'src/verify', 'src/client'],
  'src/cliargs': ['src/base'],
  'src/cli': ['*'],
  src: ['src/base', 'src/crypto', 'src/merkle', 'src/note', 'src/leaf', 'src/verify'],
};

/** Units whose code must run anywhere (a browser, a worker): no Node.js built-ins, no I/O packages. */
export const PURE = ['src/base', 'src/crypto', 'src/merkle', 'src/note', 'src/leaf', 'src/verify', 'src'];

/** The units of src/ the monitor may use (through their index.ts), and src/index.ts itself. */
export const MONITOR_MAY_USE = ['src/base', 'src/crypto', 'src/merkle', 'src/note', 'src/leaf', 'src/verify', 'src/client', 'src/store', 'src/cliargs', 'src'];

/** Packages that do I/O or belong to the server: never in a pure unit. */
const IO_PACKAGES = ['level', 'express', 'pino', 'pino-pretty', 'commander', 'classic-level', 'sodium-native'];

const BUILTINS = new Set(builtinModules);
const isBuiltin = (spec) => spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0]);
const packageOf = (spec) => (spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);

/** The unit of a repository-relative path with `/` separators, or undefined outside src/ and monitor/. */
export function unitOf(path) {
  const parts = path.split('/');
  if (parts[0] !== 'src' && parts[0] !== 'monitor') return undefined;
  if (parts[0] === 'monitor' && parts[1] === 'test') return undefined;
  if (parts[0] === 'monitor' && parts[1] === 'bench') return undefined;
  return parts.length > 2 ? `${parts[0]}/${parts[1]}` : parts[0];
}

const rule = {
  meta: {
    type: 'problem',
    docs: { description: 'stamplog house rules: index-only entry, allowed arrows, pure units, monitor on the public surface' },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const file = relative(root, context.filename).split(sep).join('/');
    const unit = unitOf(file);
    if (unit === undefined) return {};

    function check(node, spec) {
      if (typeof spec !== 'string') return;
      const typeOnly = node.importKind === 'type' || node.exportKind === 'type';
      const report = (message) => context.report({ node, message: `${message} (import '${spec}' in ${file})` });
      if (!spec.startsWith('.')) {
        // A type-only import is erased by the compiler, so it loads nothing (src/crypto/node.ts types node:crypto).
        if (!typeOnly && PURE.includes(unit) && (isBuiltin(spec) || IO_PACKAGES.includes(packageOf(spec)))) {
          report(`${unit} is pure: it imports nothing from Node.js built-ins or I/O packages`);
        }
        return;
      }
      const target = normalize(join(dirname(file), spec)).split(sep).join('/');
      const to = unitOf(target);
      if (to === undefined || to === unit) return;
      const enteredByIndex = target === `${to}/index.ts` || to === 'src' || to === 'monitor';
      if (unit.startsWith('monitor') && to.startsWith('src')) {
        if (!MONITOR_MAY_USE.includes(to)) return report(`the monitor uses src/ only through its public surface; ${to} is the server's own`);
        if (to === 'src' ? target !== 'src/index.ts' : !enteredByIndex) return report(`enter ${to} through ${to}/index.ts`);
        return;
      }
      if (unit.startsWith('src') && to.startsWith('monitor')) return report('src/ never imports the monitor');
      if (!enteredByIndex) return report(`enter ${to} through ${to}/index.ts`);
      if (unit.startsWith('src')) {
        const allowed = DEPENDS_ON[unit];
        if (allowed === undefined) return report(`${unit} is not a unit of the house: add it to DEPENDS_ON in scripts/lint/boundaries.js`);
        if (!allowed.includes('*') && !allowed.includes(to)) return report(`${unit} may not import ${to} (allowed: ${allowed.join(', ') || 'nothing'})`);
      }
    }

    const source = (node) => (node.source && node.source.type === 'Literal' ? node.source.value : undefined);
    return {
      ImportDeclaration: (node) => check(node, source(node)),
      ExportNamedDeclaration: (node) => check(node, source(node)),
      ExportAllDeclaration: (node) => check(node, source(node)),
      ImportExpression: (node) => check(node, node.source.type === 'Literal' ? node.source.value : undefined),
    };
  },
};

export default { rules: { boundaries: rule } };
