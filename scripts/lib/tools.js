'use strict';
// Tools the deployment checks need, found or installed like the infrastructure binaries.
const { spawnSync } = require('node:child_process');
const { ensureBinary } = require('./infra');

const INSTALL_COMPOSE = 'sudo apt-get update && sudo apt-get install -y --no-install-recommends docker-compose';

const works = (cmd, args) => spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;

/**
 * A command that validates compose files without a Docker engine: `docker-compose` (Debian's 1.29)
 * or the `docker compose` plugin. Installs docker-compose with apt-get when root; otherwise throws
 * the exact command. --no-install-recommends matters: without it apt pulls a whole Docker engine.
 */
function ensureDockerCompose(log = console.error) {
  if (works('docker-compose', ['version'])) return ['docker-compose'];
  if (works('docker', ['compose', 'version'])) return ['docker', 'compose'];
  try {
    ensureBinary('docker-compose', log);
  } catch {
    throw new Error(`docker-compose is required but not installed. Install it with:\n\n  ${INSTALL_COMPOSE}\n`);
  }
  return ['docker-compose'];
}

module.exports = { ensureDockerCompose, INSTALL_COMPOSE };
