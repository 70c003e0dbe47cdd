// Lint configuration: typescript-eslint's recommended rules over every TypeScript file, and the house rules of
// scripts/lint/boundaries.js over src/ and monitor/; zero warnings allowed (`npm run lint` passes --max-warnings 0).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import stamplog from './scripts/lint/boundaries.js';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'coverage/**', '.prof/**', '**/*.js', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['src/**/*.ts', 'monitor/**/*.ts'],
    ignores: ['monitor/test/**', 'monitor/bench/**'],
    plugins: { stamplog },
    rules: { 'stamplog/boundaries': 'error' },
  },
  {
    // The pure units load in a browser: Node's globals only through globalThis, behind a check (src/base/bytes.ts).
    files: ['src/base/**/*.ts', 'src/crypto/**/*.ts', 'src/merkle/**/*.ts', 'src/note/**/*.ts', 'src/leaf/**/*.ts', 'src/verify/**/*.ts', 'src/index.ts'],
    rules: {
      'no-restricted-globals': ['error', ...['Buffer', 'process', 'require', '__dirname', '__filename', 'setImmediate'].map((name) => ({ name, message: `${name} is Node-only: pure units reach it through globalThis, behind a check` }))],
    },
  },
);
