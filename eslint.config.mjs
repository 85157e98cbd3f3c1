// Lint: typescript-eslint's strict, type-aware rules over everything tsc compiles.
// Formatting is prettier's job (npm run lint runs prettier --check first).
import eslint from '@eslint/js';
import tseslint from 'typescript-eslint';
import catchSaysWhy from './tools/eslint/catch-says-why.mjs';

export default tseslint.config(
  { ignores: ['dist/**', 'build/**', 'node_modules/**', 'native/**', 'bin/**', '**/*.mjs'] },
  eslint.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // a catch either handles a named case or says in a comment why it ignores the error
      'no-empty': ['error', { allowEmptyCatch: false }],
      // numbers and booleans print as expected in messages; objects, nullish and never do not
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `() => void f()` style callbacks are the idiom for "run this, return nothing"
      '@typescript-eslint/no-confusing-void-expression': ['error', { ignoreArrowShorthand: true }],
      // async on a handler that implements a promise-returning interface (API routes, CRI methods) turns
      // a synchronous throw into the rejection its caller maps to a status; dropping it changes behaviour
      '@typescript-eslint/require-await': 'off',
      // without tsconfig's noUncheckedIndexedAccess (894 tsc errors today) this rule calls every guarded
      // index lookup (`m[1] ?? ''`, `map[k] === undefined`) unnecessary; turn it on with that flag
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // `let [a, b] = ...` where only some names are reassigned stays one declaration, and a `let`
      // that closures read before its one assignment (two objects that point at each other) stays a let
      'prefer-const': ['error', { destructuring: 'all', ignoreReadBeforeAssign: true }],
      // a leading underscore marks a name kept on purpose (a skipped parameter, a field left out of a rest)
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // node:test's test() and describe() return promises the runner itself awaits
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', package: 'node:test', name: ['test', 'describe', 'it', 'suite'] },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'src/**/*-contract.ts', 'test/**/*.ts', 'bench/**/*.ts', 'tools/**/*.ts'],
    rules: {
      // tests (and the contract suites in src), benches and tools read the CLI's and the API's JSON output (JSON.parse: any) and the
      // assertions that follow are the type check; typing every inspect document twice buys nothing
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // in a test a wrong `!` fails the test as surely as an assert would
      '@typescript-eslint/no-non-null-assertion': 'off',
      // contract suites destructure their fixture (`async ({ networks, netns }) =>`), and calls on what
      // they take out are checked by the suite itself
      '@typescript-eslint/unbound-method': 'off',
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/**/*.test.ts', 'src/**/*-contract.ts'],
    plugins: { stowage: { rules: { 'catch-says-why': catchSaysWhy } } },
    rules: {
      // a catch reads its error (a named case, a rethrow) or says in a comment why it drops it
      'stowage/catch-says-why': 'error',
      // every error thrown carries a kind (src/errdefs), which decides exit codes and HTTP statuses
      'no-restricted-syntax': [
        'error',
        {
          selector: "ThrowStatement > NewExpression[callee.name='Error']",
          message: 'Throw a StowageError with a kind (src/errdefs), not a bare Error.',
        },
      ],
    },
  },
);
