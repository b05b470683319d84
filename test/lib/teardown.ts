/**
 * Jest setup (jest.config.js setupFilesAfterEnv): after each test file, stop the secretlint worker thread that
 * file started (each test file has its own module registry, hence its own worker), so no idle thread outlives
 * its file and Jest's worker processes exit on their own.
 */
import { stopSecretScanner } from '../../config/secret-scan';

afterAll(async () => {
  await stopSecretScanner();
});
