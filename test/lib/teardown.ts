/**
 * Jest setup (jest.config.js setupFilesAfterEnv): after each test file, stop the secretlint worker threads that
 * file started (each test file has its own module registry, hence its own worker; a file that loads the module
 * again with jest.isolateModules has more, which config/secret-scan.ts tracks per realm), so no idle thread
 * outlives its file.
 */
import { stopSecretScanner } from '../../config/secret-scan';

afterAll(async () => {
  await stopSecretScanner();
});
