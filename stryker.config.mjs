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
  mutate: [
    'config/hostile.ts',
    'verify/checks/switches.ts',
    'verify/checks/vault-scope.ts',
    'verify/checks/inline-credentials.ts',
    'verify/checks/pinned-images.ts',
    'verify/argocd-source.ts',
  ],
  // swc transpiles without type checks, so a mutant that would not compile still runs (and is killed or survives on behaviour).
  checkers: [],
  concurrency: 2,
  timeoutMS: 60000,
  reporters: ['clear-text', 'progress', 'json'],
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  ignorePatterns: ['dist', 'build', 'reports', 'docs', 'imports', '.git'],
  thresholds: { high: 90, low: 75, break: null },
};
