'use strict';
// The child processes these scripts start: tracked while they run, stopped or killed on request.

const exited = (child) => child.exitCode !== null || child.signalCode !== null;

/**
 * Every process these scripts start, while it runs. If the process that started them ends without
 * stopping them (a crash, process.exit, or a signal with stopChildrenOnSignals), they are killed
 * with it rather than left running with no owner.
 */
const live = new Set();
function track(child) {
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}
function killLive() {
  for (const child of live) {
    try {
      child.kill('SIGCONT');
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}
process.on('exit', killLive);

function stopChild(child, timeoutMs = 5000) {
  return new Promise((resolve) => {
    if (!child || exited(child)) return resolve();
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGCONT'); // a process frozen by a fault test acts on SIGTERM only once it runs again
    child.kill('SIGTERM');
  });
}

/** SIGKILL, resolved once the process has exited (fault tests: a crash, not a shutdown). */
async function killChild(child) {
  child.kill('SIGKILL');
  if (!exited(child)) await new Promise((r) => child.once('exit', r));
}

module.exports = { track, killLive, stopChild, killChild };
