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
  // `npm install` installs the versions package-lock.json pins and leaves the file as committed:
  // the lock lists every platform's optional binaries (@swc/core-*, @unrs/resolver-binding-*). A
  // lock written by `npm install <pkg>` can leave those out, and the next plain install adds them
  // back (a changed tracked file in every fresh clone): commit the lock a plain `npm install` writes.
  console.error('[setup] installing dependencies (npm install, versions from package-lock.json)');
  run('npm', ['install', '--no-audit', '--no-fund']);
}
console.error('[setup] building (tsc -b)');
run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', 'tsconfig.build.json']);
