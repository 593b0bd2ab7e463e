// Skipped or todo tests fail the run: an integration test that does not run proves nothing.
class NoSkipReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
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
