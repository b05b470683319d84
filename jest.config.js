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
  // Stops the secretlint worker threads after each test file (config/secret-scan.ts stopSecretScanner).
  setupFilesAfterEnv: ['<rootDir>/test/lib/teardown.ts'],
  // How long a Jest worker may take to exit once the run is over before Jest kills it and warns "a worker process
  // has failed to exit gracefully" (default 500 ms). Measured (issue 21): at that point a worker holds only its
  // stdio pipes, but it has grown to ~900 MB RSS, and a natural exit frees all of it: 220-240 ms from Jest's end
  // message to the process being gone at load average ~30 on 2 cores, more on a busier machine or in the nested
  // run of test/new-app.test.ts. A grace below that (50 ms) gives the warning on every run with no leak at all.
  // A worker that really leaks a handle never exits, and is still killed and reported, after this.
  workerGracefulExitTimeout: 10_000,
  transform: { '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } }] },
  // `npm test` (scripts/test.js) adds a line per finished suite with the count so far ([12/60]).
  reporters: process.env.DOMUS_JEST_PROGRESS ? ['default', '<rootDir>/scripts/jest-progress.js'] : ['default'],
  // Snapshots are written only on a developer machine: CI passes --ci, which fails on a missing snapshot.
  snapshotFormat: { printBasicPrototype: false },
};
