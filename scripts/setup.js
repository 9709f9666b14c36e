'use strict';
// Install and build, only as much as needed: the first step of `npm start`, `npm test` and `npm run bench`.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..');
const run = (cmd, args) => {
  const r = spawnSync(cmd, args, { cwd: ROOT, stdio: 'inherit' });
  if (r.status !== 0) {
    console.error(`[setup] ${cmd} ${args.join(' ')} failed`);
    process.exit(r.status ?? 1);
  }
};

const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  console.error(`[setup] Node.js 20 or newer is required (found ${process.version}).`);
  process.exit(1);
}

const lock = path.join(ROOT, 'package-lock.json');
const installed = path.join(ROOT, 'node_modules', '.package-lock.json');
const stale = !fs.existsSync(installed) || fs.statSync(lock).mtimeMs > fs.statSync(installed).mtimeMs;
if (stale) {
  console.error('[setup] installing dependencies (npm ci)');
  run('npm', ['ci', '--no-audit', '--no-fund']);
}
console.error('[setup] building (tsc -b)');
run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json']);
