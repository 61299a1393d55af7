// Lint: typed-import hygiene, no console in library code, and the one-way import rule of DESIGN.md §2
// (warehouse, rollups and views never import collectors; only the registry imports vendor folders).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const vendorFolders = ['ninjaone', 'threatlocker', 'pmp'];

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'dist.building-*/**', 'scratch/**', 'warehouse/migrations/**', '.warehouse/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setImmediate: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', AbortController: 'readonly', AbortSignal: 'readonly', fetch: 'readonly' } },
    rules: {
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      'no-console': 'error',
    },
  },
  {
    files: ['warehouse/**/*.ts', 'rollups/**/*.ts', 'views/**/*.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [{ group: ['**/collectors/**'], message: 'warehouse, rollups and views never import collectors (DESIGN.md §2).' }] }] },
  },
  {
    files: ['collectors/**/*.ts', 'bin/**/*.ts'],
    ignores: ['collectors/registry.ts', ...vendorFolders.map((v) => `collectors/${v}/**`)],
    rules: { 'no-restricted-imports': ['error', { patterns: vendorFolders.map((v) => ({ group: [`**/${v}/**`, `./${v}/*`], message: 'Only collectors/registry.ts imports vendor folders.' })) }] },
  },
  { files: ['tests/**/*.ts', 'bench/**/*.ts'], rules: { 'no-console': 'off' } },
  // The dashboard's browser script (served by `warehouse serve`): a browser's globals, plain script.
  { files: ['dashboard/**/*.js'], languageOptions: { sourceType: 'script', globals: { document: 'readonly', uPlot: 'readonly' } } },
);
