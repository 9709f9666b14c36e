'use strict';
// globalSetup of the suites that start no shared infrastructure (chaos: each file starts its own system).
const { ensureBuilt } = require('./build');

module.exports = async () => ensureBuilt();
