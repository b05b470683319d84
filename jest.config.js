/** Jest transpiles with swc (no type check: `npm test` runs `tsc --noEmit` first). */
module.exports = {
  testEnvironment: 'node',
  // Every core: most of a test file's time is loading cdk8s and synthesizing, which parallelises (jest's
  // default keeps one core for itself, i.e. one worker on a 2-core CI machine).
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  // One global setup (test/global-setup.ts): the sources' hash for the synthesis cache shared by every test file
  // (test/synth-cache.ts), and the run's folder of the real control plane (test/lib/control-plane.ts), which the
  // first test that needs it starts; the teardown stops it.
  globalSetup: '<rootDir>/test/global-setup.ts',
  globalTeardown: '<rootDir>/test/lib/control-plane-teardown.ts',
  testMatch: ['**/*.test.ts'],
  // Stops the secretlint worker thread after each test file (config/secret-scan.ts stopSecretScanner).
  setupFilesAfterEnv: ['<rootDir>/test/lib/teardown.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  // `npm test` (scripts/test.js) adds a line per finished suite with the count so far ([12/60]).
  reporters: process.env.DOMUS_JEST_PROGRESS ? ['default', '<rootDir>/scripts/jest-progress.js'] : ['default'],
  // Snapshots are written only on a developer machine: CI passes --ci, which fails on a missing snapshot.
  snapshotFormat: { printBasicPrototype: false },
};
