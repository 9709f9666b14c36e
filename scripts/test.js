'use strict';
// `npm test`: the unit and component suites, then the integration suites against the whole system.
// Each jest run starts (and stops) its own redis-server and Kafka mock broker on free ports.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const JEST = path.join(ROOT, 'node_modules', 'jest', 'bin', 'jest.js');
const extra = process.argv.slice(2);
// CHAOS=1 adds the chaos suites after the others; CHAOS_ONLY=1 (npm run test:chaos) runs only them.
const chaos = { name: 'chaos', config: 'test/jest.chaos.config.js' };
const suites =
  process.env.CHAOS_ONLY === '1'
    ? [chaos]
    : [
        { name: 'unit and component', config: 'jest.config.js' },
        { name: 'deployment manifests', config: 'test/jest.deploy.config.js' },
        { name: 'integration', config: 'test/jest.integration.config.js' },
        ...(process.env.CHAOS === '1' ? [chaos] : []),
      ];

/**
 * Runs one jest config in a process group of its own. A SIGINT, SIGTERM or SIGHUP to this script
 * (Ctrl-C, a CI cancel, `timeout`) goes to that whole group: jest stops what its setup started
 * (stopChildrenOnSignals), and its workers and what they started end too, rather than run on
 * with nobody reading their result. A SIGKILL, which this script cannot pass on, leaves jest
 * without its parent: jest's setup notices within half a second and takes its group down.
 */
function runJest(config, out) {
  return new Promise((resolve) => {
    // Last: jest reads the words after --reporters as more reporters, a path given to `npm test` too.
    const reporters = ['--reporters=default', `--reporters=${path.join(__dirname, 'lib', 'count-reporter.js')}`];
    const child = spawn(process.execPath, [JEST, '-c', config, ...extra, ...reporters], {
      cwd: ROOT,
      stdio: 'inherit',
      detached: true,
      env: { ...process.env, CHECKOUT_TEST_OWN_GROUP: '1', CHECKOUT_TEST_COUNTS: out },
    });
    const forward = (signal) => {
      interrupted = signal;
      try {
        process.kill(-child.pid, signal);
      } catch {
        // the group is gone already
      }
    };
    const signals = ['SIGINT', 'SIGTERM', 'SIGHUP'];
    for (const signal of signals) process.on(signal, forward);
    child.on('exit', (code, signal) => {
      for (const s of signals) process.off(s, forward);
      resolve(signal ? 1 : code);
    });
  });
}

let passed = 0;
let failed = 0;
let ok = true;
let interrupted;

(async () => {
  for (const suite of suites) {
    console.log(`\n=== ${suite.name} tests ===`);
    const out = path.join(os.tmpdir(), `checkout-jest-${process.pid}-${path.basename(suite.config)}.json`);
    const status = await runJest(suite.config, out);
    if (fs.existsSync(out)) {
      const report = JSON.parse(fs.readFileSync(out, 'utf8'));
      passed += report.numPassedTests;
      failed += report.numFailedTests + report.numRuntimeErrorTestSuites;
      fs.rmSync(out);
    }
    if (status !== 0) ok = false;
    if (interrupted) {
      console.log(`\n${interrupted}: stopped`);
      process.exit(1);
    }
  }
  console.log(`\nTests: ${passed} passed, ${failed} failed`);
  process.exit(ok && failed === 0 ? 0 : 1);
})();
