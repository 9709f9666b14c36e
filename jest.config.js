'use strict';
// Unit and component tests: each service's own test/ folder and the libs. Component tests use the
// real redis-server and Kafka-protocol broker that globalSetup starts on free ports.
const swc = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' }, sourceMaps: 'inline' },
];

module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>'],
  testMatch: [
    '<rootDir>/libs/*/test/**/*.test.ts',
    '<rootDir>/*-service/test/**/*.test.ts',
    '<rootDir>/payment-gateway-mock/test/**/*.test.ts',
    '<rootDir>/test/infra/**/*.test.ts',
  ],
  testPathIgnorePatterns: ['/node_modules/', '/dist/'],
  transform: { '^.+\\.ts$': swc },
  moduleNameMapper: { '^@checkout/(contracts|chassis)$': '<rootDir>/libs/$1/src/index.ts' },
  globalSetup: '<rootDir>/test/support/component-setup.js',
  globalTeardown: '<rootDir>/test/support/component-teardown.js',
  testTimeout: 30_000,
  // Most of this phase waits (consumer groups joining, timeouts, restarts): with two workers it kept
  // 92% of one core busy on a 2-core machine and took 4m19s; with four, 147% and 2m36s.
  maxWorkers: 4,
};
