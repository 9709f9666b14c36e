'use strict';
// The suites run the services' and the chassis' compiled output (dist/): jest run by hand after a
// change to src/ would otherwise test the last build. tsc -b rebuilds only what changed, and checks
// in well under a second when nothing did.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');

function ensureBuilt() {
  const tsc = path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = spawnSync(process.execPath, [tsc, '-b', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tsc -b tsconfig.build.json failed:\n${r.stdout}${r.stderr}`);
}

module.exports = { ensureBuilt };
