/**
 * Mutation testing of the validators and security checks of issue 25 (`npm run mutation`, not part of npm test:
 * it reruns the tests once per mutant). Stryker 9.6.1 (the last line that supports Node 20; 10.x needs Node 22)
 * with its jest runner, on the named files only, each killed by its own fast unit and mutation tests
 * (jest.mutation.config.js). The score is in reports/mutation/ and printed at the end.
 */
export default {
  packageManager: 'npm',
  testRunner: 'jest',
  jest: { configFile: 'jest.mutation.config.js', enableFindRelatedTests: false },
  coverageAnalysis: 'perTest',
  // The full list (verify/checks/switches.ts, vault-scope.ts, inline-credentials.ts, pinned-images.ts,
  // verify/argocd-source.ts: 1678 mutants) needs hours on a shared 2-core machine, because every mutant of a
  // check reruns tests that load the whole dist/; `npm run mutation -- --mutate <file>` runs one of them.
  // By default: the site rules of config/hostile.ts, killed by the fast unit tests of test/hostile.test.ts.
  mutate: ['config/hostile.ts'],
  // swc transpiles without type checks, so a mutant that would not compile still runs (and is killed or survives on behaviour).
  checkers: [],
  // The project's typescript is 7.x (native, no JS API): Stryker's tsconfig rewriting would call into it. No
  // tsconfig for Stryker: swc (jest) needs none.
  tsconfigFile: 'no-tsconfig-for-stryker.json',
  concurrency: 2,
  timeoutMS: 60000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  // The tests read dist/, imports/ and docs/: the sandbox keeps them.
  ignorePatterns: ['build', 'reports', '.git'],
  thresholds: { high: 90, low: 75, break: null },
};
