/** The fast tests that kill mutants of the files stryker.config.mjs mutates (`npm run mutation`). */
const base = require('./jest.config.js');
module.exports = {
  ...base,
  // For a check of verify add its test file (test/verify/<check>.test.ts) here (stryker.config.mjs).
  testMatch: ['**/test/hostile.test.ts'],
};
