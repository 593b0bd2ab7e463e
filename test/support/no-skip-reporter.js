// Skipped or todo tests fail the run: an integration test that does not run proves nothing.
// It also closes the run's output with its counts as one plain line on stdout, `jest: N passed, N failed, N skipped`
// (jest prints its own summary on stderr only, in a shape that log readers outside jest do not know). The line is
// written when the jest process exits, so it comes after jest's summary and is the last line the run prints.
const fs = require('fs');

class NoSkipReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const closing = `jest: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`;
    process.stdout.write(`\njest: ${results.numTotalTests} tests in ${results.numTotalTestSuites} suites\n`);
    process.once('exit', () => fs.writeSync(1, `\n${closing}`));
    if (skipped > 0) {
      const names = [];
      for (const file of results.testResults) {
        for (const t of file.testResults)
          if (t.status === 'pending' || t.status === 'todo') names.push(`${file.testFilePath}: ${t.fullName}`);
      }
      process.stderr.write(`\n${skipped} test(s) were skipped; skipped tests fail this run:\n  ${names.join('\n  ')}\n`);
      this._failed = true;
    }
  }
  getLastError() {
    return this._failed ? new Error('skipped tests') : undefined;
  }
}
module.exports = NoSkipReporter;
