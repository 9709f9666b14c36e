'use strict';
// A jest reporter beside the default one: writes the run's test counts to the file named by
// CHECKOUT_TEST_COUNTS, which scripts/test.js adds up over the suites. (jest's --json
// --outputFile would do it too, but prints the temporary file's path into every run's output.)
const fs = require('node:fs');

class CountReporter {
  onRunComplete(_contexts, results) {
    const file = process.env.CHECKOUT_TEST_COUNTS;
    if (!file) return;
    const { numPassedTests, numFailedTests, numRuntimeErrorTestSuites } = results;
    fs.writeFileSync(file, JSON.stringify({ numPassedTests, numFailedTests, numRuntimeErrorTestSuites }));
  }
}

module.exports = CountReporter;
