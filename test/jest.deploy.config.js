'use strict';
// Deployment checks: the Dockerfile, docker-compose.yml, deploy/k8s and the CI workflow, read as files
// (no Docker engine, no cluster, no broker: hence no globalSetup).
const { globalSetup: _setup, globalTeardown: _teardown, ...base } = require('../jest.config');

module.exports = {
  ...base,
  rootDir: '..',
  testMatch: ['<rootDir>/test/deploy/**/*.test.ts'],
  testTimeout: 60_000,
};
