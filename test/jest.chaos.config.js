'use strict';
// Chaos suites: each file starts its own whole system (startSystem) so it can kill, restart and
// starve parts of it; no shared globalSetup. Files run one at a time: they load a 2-core machine.
const base = require('../jest.config');

module.exports = {
  ...base,
  rootDir: '..',
  testMatch: ['<rootDir>/test/chaos/**/*.test.ts'],
  globalSetup: undefined,
  globalTeardown: undefined,
  maxWorkers: 1,
  testTimeout: 180_000,
};
