/** The fast tests that kill mutants of the files stryker.config.mjs mutates (`npm run mutation`). */
const base = require('./jest.config.js');
module.exports = {
  ...base,
  testMatch: [
    '**/test/hostile.test.ts',
    '**/test/verify/switches.test.ts',
    '**/test/verify/vault-scope.test.ts',
    '**/test/verify/inline-credentials.test.ts',
    '**/test/verify/pinned-images.test.ts',
    '**/test/verify/argocd-source.test.ts',
  ],
};
