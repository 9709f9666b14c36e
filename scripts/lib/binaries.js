'use strict';
// The system binaries the local infrastructure runs: found on PATH, or installed with apt-get.
const { spawnSync } = require('node:child_process');

const PACKAGES = { kcat: 'kcat', 'redis-server': 'redis-server' };

const onPath = (bin) => spawnSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' }).status === 0;

/** Installs a missing system package with apt-get when root; otherwise says the exact command. */
function ensureBinary(bin, log = console.error) {
  if (onPath(bin)) return;
  const pkg = PACKAGES[bin] ?? bin;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && onPath('apt-get')) {
    log(`[infra] ${bin} is missing: installing Debian package ${pkg} with apt-get`);
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: 'inherit', env });
    if (r.status === 0 && onPath(bin)) return;
  }
  throw new Error(
    `${bin} is required but not installed. Install it with:\n\n  sudo apt-get update && sudo apt-get install -y ${pkg}\n`,
  );
}

module.exports = { ensureBinary };
