// ESLint for Trellis (`npm run lint`, run by .ci/run after the typecheck). TypeScript files are
// linted with type information from tsconfig.json, which the promise rules need.
import { defineConfig, globalIgnores } from 'eslint/config';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import trellis from './scripts/lint-rules/index.js';

const NODE_GLOBALS = { console: 'readonly', process: 'readonly', require: 'readonly', module: 'writable', __dirname: 'readonly' };

export default defineConfig(
  globalIgnores(['dist/**', 'coverage/**']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { trellis },
    rules: {
      // A promise nobody awaits loses its error (an unhandled rejection) and its ordering.
      '@typescript-eslint/no-floating-promises': 'error',
      // An async callback where a void one is expected (express handlers, event emitters) is a
      // floating promise in disguise; spreading or testing a promise is always a bug.
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
      // No dead code: an unused name is deleted, or prefixed `_` when a signature needs it.
      '@typescript-eslint/no-unused-vars': ['error', {
        args: 'after-used', argsIgnorePattern: '^_', varsIgnorePattern: '^_',
        caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true,
      }],
      '@typescript-eslint/no-unused-expressions': 'error',
      // `any` stays a deliberate, visible choice (variance in generic registries such as
      // domain/rules/registry.ts, JSON bodies in tests); strict mode already refuses implicit any.
      '@typescript-eslint/no-explicit-any': 'off',
      // A `let` assigned once but read earlier by a closure (a shutdown hook, a workflow message
      // handler) must stay a `let`: as a `const` the early read would throw.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      'trellis/model-access': 'error',
      'trellis/no-float-money': 'error',
      'trellis/no-raw-collection': 'error',
    },
  },
  {
    // CommonJS helpers (jest config and reporter, the lint rules themselves).
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: NODE_GLOBALS },
    // These files are CommonJS, where require() is how modules load.
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['**/*.mjs'],
    languageOptions: { sourceType: 'module', globals: NODE_GLOBALS },
  },
);
