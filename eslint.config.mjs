// ESLint (flat config): the recommended JavaScript and typescript-eslint rules, plus no `any` anywhere.
//
// typescript-eslint 8 and ts-api-utils need the TypeScript 5 compiler API (peer typescript <6.1), while the
// project type-checks with TypeScript 7 (native, no JavaScript API). Inside this ESLint process only,
// `typescript` resolves to TypeScript 5.9 (the `typescript-for-eslint` alias in package.json; `.npmrc` sets
// legacy-peer-deps so npm accepts the two). Drop both when typescript-eslint supports TypeScript 7.
import Module from 'node:module';

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  return resolve.call(this, request === 'typescript' ? 'typescript-for-eslint' : request, ...rest);
};
const { default: js } = await import('@eslint/js');
const { default: tseslint } = await import('typescript-eslint');

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', 'build/', 'imports/', '**/*.js', '**/*.mjs', '**/*.cjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Refusing and escaping control characters is what these modules and their tests are for.
    files: ['constructs/lib/quote.ts', 'config/scalars.ts', 'test/input.test.ts', 'test/properties.test.ts'],
    rules: { 'no-control-regex': 'off' },
  },
);
