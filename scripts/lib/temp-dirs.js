'use strict';
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
// Loaded before this file registers its exit handler: processes.js's (kill the servers) must run
// before the one below removes their folders, whichever file is required first.
require('./processes');

// Temporary folders of the servers started here (Redis' data): removed by their cleanup(), and
// when this process exits without calling it (a signal, a failed start, a kill from the parent).
const tempDirs = new Set();
function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}
/** A folder made elsewhere (a copy of a server's data), removed with the others. */
function trackTempDir(dir) {
  tempDirs.add(dir);
}
function removeTempDir(dir) {
  tempDirs.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}
function removeTempDirs() {
  for (const dir of tempDirs) removeTempDir(dir);
}
process.on('exit', removeTempDirs);

module.exports = { tempDir, trackTempDir, removeTempDir, removeTempDirs };
