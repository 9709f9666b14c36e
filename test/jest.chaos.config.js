'use strict';
// Chaos suites: each file starts its own whole system (startSystem) so it can kill, restart and
// starve parts of it; no shared infrastructure (globalSetup only builds). Two files at a time: most of a chaos test is waiting
// (an outage, a re-announcement's 30 s), and two systems fit on a 2-core machine. The suite took
// 4m51s in two runs this way, against 8m29s one file at a time.
const base = require('../jest.config');

module.exports = {
  ...base,
  rootDir: '..',
  testMatch: ['<rootDir>/test/chaos/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/build-setup.js',
  globalTeardown: undefined,
  maxWorkers: 2,
  testTimeout: 180_000,
};
