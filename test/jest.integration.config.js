'use strict';
// Integration suites: the whole system, started once per run by globalSetup, driven over HTTP and
// observed on Kafka. Files run one at a time: they share stock and the gateway's fault controls.
const base = require('../jest.config');

module.exports = {
  ...base,
  rootDir: '..',
  testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/system-setup.js',
  globalTeardown: '<rootDir>/test/support/system-teardown.js',
  maxWorkers: 1,
  testTimeout: 60_000,
};
