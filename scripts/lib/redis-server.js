'use strict';
// A redis-server of our own on a free port, with what fault tests do to it.
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const { ensureBinary } = require('./binaries');
const { freePort, waitForPort } = require('./ports');
const { killChild, stopChild, track } = require('./processes');
const { redisPidAt } = require('./redis-pid');
const { removeTempDir, tempDir, trackTempDir } = require('./temp-dirs');

/**
 * Starts redis-server on a free port (or the given one). With `appendonly` its data survives a
 * restart (fault tests restart it); `restart()` keeps the port and the data directory.
 */
async function startRedis({ port, appendonly = false, ownGroup = false, log = console.error } = {}) {
  ensureBinary('redis-server', log);
  const p = port ?? (await freePort());
  const dir = tempDir('checkout-redis-');
  const saved = `${dir}.checkpoint`; // rollBack()'s data, once checkpoint() copied it
  let child;
  const launch = async () => {
    child = track(
      spawn(
        'redis-server',
        [
          '--port',
          String(p),
          '--bind',
          '127.0.0.1',
          '--dir',
          dir,
          '--save',
          '',
          '--appendonly',
          appendonly ? 'yes' : 'no',
          '--appendfsync',
          'everysec',
          '--protected-mode',
          'no',
          '--loglevel',
          'warning',
        ],
        { stdio: ['ignore', 'ignore', 'inherit'], detached: ownGroup },
      ),
    );
    const started = child;
    const gone = new Promise((resolve) => started.once('exit', (code, signal) => resolve(signal ?? `code ${code}`)));
    const listening = waitForPort(p).then(() => undefined);
    listening.catch(() => undefined); // when the exit wins the race, its later timeout is nobody's error
    const stopped = await Promise.race([listening, gone]);
    if (stopped !== undefined) throw new Error(`redis-server on port ${p} exited (${stopped}) before it listened`);
    // Something answers on the port: make sure it is the server just started, not another one's.
    const pid = await redisPidAt(p);
    if (pid !== started.pid) {
      await stopChild(started);
      throw new Error(`port ${p} is answered by another process (redis pid ${pid ?? 'none'}), not our redis-server`);
    }
  };
  try {
    await launch();
  } catch (err) {
    removeTempDir(dir);
    throw err;
  }
  return {
    url: `redis://127.0.0.1:${p}`,
    port: p,
    get pid() {
      return child.pid;
    },
    async stop() {
      await stopChild(child);
    },
    /** Stops the server answering while its connections stay open (SIGSTOP), as a hung host does. */
    freeze() {
      child.kill('SIGSTOP');
    },
    thaw() {
      child.kill('SIGCONT');
    },
    async kill() {
      await killChild(child);
    },
    async restart() {
      await stopChild(child);
      await launch();
    },
    /**
     * Copies the data directory as it is now (with `appendonly`, every write Redis has answered:
     * it writes its AOF before it replies), for rollBack().
     */
    checkpoint() {
      removeTempDir(saved);
      fs.cpSync(dir, saved, { recursive: true });
      trackTempDir(saved);
    },
    /**
     * Kills the server (SIGKILL) and starts it again on the data of the last checkpoint(): Redis
     * lost every write since, as after a crash between fsyncs or a failover to a replica that lagged.
     */
    async rollBack() {
      await killChild(child);
      fs.rmSync(dir, { recursive: true, force: true });
      fs.cpSync(saved, dir, { recursive: true });
      await launch();
    },
    cleanup() {
      removeTempDir(saved);
      removeTempDir(dir);
    },
  };
}

module.exports = { startRedis };
