'use strict';

/** Resolves with the first match of `pattern` in what `child` writes to `stream`; rejects if it exits first. */
function waitForOutput(child, stream, pattern, what, timeoutMs) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${buffer}`)), timeoutMs);
    const onExit = (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}: ${buffer}`));
    };
    stream.on('data', function onData(chunk) {
      buffer += chunk.toString();
      const match = buffer.match(pattern);
      if (!match) return;
      clearTimeout(timer);
      stream.off('data', onData);
      // Keep draining the pipe so the child never blocks on it.
      stream.resume();
      child.off('exit', onExit);
      resolve(match[1]);
    });
    child.once('exit', onExit);
  });
}

module.exports = { waitForOutput };
