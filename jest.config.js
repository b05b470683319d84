/** Jest transpiles with swc (no type check: `npm test` runs `tsc --noEmit` first). */
module.exports = {
  testEnvironment: 'node',
  // Every core: most of a test file's time is loading cdk8s and synthesizing, which parallelises (jest's
  // default keeps one core for itself, i.e. one worker on a 2-core CI machine).
  maxWorkers: '100%',
  roots: ['<rootDir>/test'],
  // The sources' hash for the synthesis cache shared by every test file (test/synth-cache.ts).
  globalSetup: '<rootDir>/test/global-setup.ts',
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  // `npm test` (scripts/test.js) adds a line per finished suite with the count so far ([12/60]).
  reporters: process.env.DOMUS_JEST_PROGRESS ? ['default', '<rootDir>/scripts/jest-progress.js'] : ['default'],
  // Snapshots are written only on a developer machine: CI passes --ci, which fails on a missing snapshot.
  snapshotFormat: { printBasicPrototype: false },
};
