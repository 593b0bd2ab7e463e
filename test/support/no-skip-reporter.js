// Skipped or todo tests fail the run: an integration test that does not run proves nothing.
// It also prints the run's counts on stdout (jest prints its own summary on stderr only), so a log that keeps stdout
// alone still shows how many tests ran.
class NoSkipReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(
      `\njest: ${results.numTotalTests} tests in ${results.numTotalTestSuites} suites: ` +
        `${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`,
    );
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
