/** Jest transpiles with swc (no type check: `npm test` runs `tsc --noEmit` first). */
module.exports = {
  testEnvironment: 'node',
  // Every core: most of a test file's time is loading cdk8s and synthesizing, which parallelises (jest's
  // default keeps one core for itself, i.e. one worker on a 2-core CI machine).
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  // The real control plane (test/lib/control-plane.ts): one per site and run, started by the first test that needs it.
  globalSetup: '<rootDir>/test/lib/control-plane-setup.ts',
  globalTeardown: '<rootDir>/test/lib/control-plane-teardown.ts',
  testMatch: ['**/*.test.ts'],
  // Stops the secretlint worker thread after each test file (config/secret-scan.ts stopSecretScanner).
  setupFilesAfterEnv: ['<rootDir>/test/lib/teardown.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  // Snapshots are written only on a developer machine: CI passes --ci, which fails on a missing snapshot.
  snapshotFormat: { printBasicPrototype: false },
};
