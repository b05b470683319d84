/**
 * Jest reporter used by `npm test` (scripts/test.js): one line per finished suite with the count so far, so a
 * long run shows how far it is ([12/60]); Jest's default reporter stays for the details and failures.
 */
'use strict';

class Progress {
  constructor() {
    this.total = 0;
    this.done = 0;
    this.failed = 0;
  }
  onRunStart(results) {
    this.total = results.numTotalTestSuites;
  }
  onTestResult(test, result) {
    this.done++;
    if (result.numFailingTests > 0 || result.testExecError) this.failed++;
    const secs = ((result.perfStats.end - result.perfStats.start) / 1000).toFixed(1);
    const rel = test.path.startsWith(test.context.config.rootDir) ? test.path.slice(test.context.config.rootDir.length + 1) : test.path;
    process.stderr.write(`jest [${this.done}/${this.total}]${this.failed ? ` (${this.failed} failed)` : ''} ${rel} ${secs} s\n`);
  }
  getLastError() {
    return undefined;
  }
}

module.exports = Progress;
