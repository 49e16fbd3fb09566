const fs = require('node:fs');

/**
 * Prints one plain closing line ("tests: N passed, N failed, N skipped") that CI tools read. It is
 * written as the process exits, so it comes after Jest's own summary.
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const failed = results.numFailedTests + results.numRuntimeErrorTestSuites;
    const line = `tests: ${results.numPassedTests} passed, ${failed} failed, ${results.numPendingTests} skipped\n`;
    process.once('exit', () => fs.writeSync(2, line));
  }
}
module.exports = SummaryReporter;
