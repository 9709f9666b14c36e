'use strict';
// Local infrastructure without Docker: a Kafka-protocol broker from librdkafka's mock cluster (kcat)
// and redis-server, each on a free port, owned by the process that started them.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');

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

/** The first port the kernel hands out to outgoing connections (32768 on Linux by default). */
function ephemeralLow() {
  try {
    return Number(fs.readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]) || 32768;
  } catch {
    return 32768;
  }
}

const handedOut = new Set();

/**
 * A port nothing listens on, for a server started next. Picked below the ephemeral range: a port
 * the kernel chose with listen(0) is one it may also give an outgoing connection (Kafka, Redis,
 * HTTP clients) before our server binds it, which failed service start-up now and then.
 */
async function freePort() {
  const high = ephemeralLow() - 1;
  const low = Math.max(1024, high - 12_000);
  for (let attempt = 0; attempt < 200; attempt++) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (handedOut.has(port)) continue;
    const free = await new Promise((resolve) => {
      const srv = net.createServer();
      srv.unref();
      srv.once('error', () => resolve(false));
      // Services listen on every interface: check the same.
      srv.listen(port, () => srv.close(() => resolve(true)));
    });
    if (free) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('no free port found below the ephemeral range');
}

function waitForPort(port, timeoutMs = 10_000) {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.end();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listening on port ${port} after ${timeoutMs} ms`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

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

// Temporary folders of the servers started here (Redis' data): removed by their cleanup(), and
// when this process exits without calling it (a signal, a failed start, a kill from the parent).
const tempDirs = new Set();
function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  tempDirs.add(dir);
  return dir;
}
function removeTempDir(dir) {
  tempDirs.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}
function removeTempDirs() {
  for (const dir of tempDirs) removeTempDir(dir);
}
process.on('exit', removeTempDirs);

/**
 * Calls `action` once this process has lost the parent it started with (re-parented to init: its
 * parent died without passing a signal on, or was killed outright).
 */
function onOrphaned(action, intervalMs = 500) {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    action();
  }, intervalMs);
  timer.unref();
}

/**
 * For the test runs (jest's global setup): a SIGTERM, SIGINT or SIGHUP to this process kills what
 * it started and ends it. Without this, a runner terminated by a signal (a CI cancel, `timeout`)
 * dies before its teardown and leaves the whole system running. `npm start` handles Ctrl-C itself
 * (services first, then the infrastructure) and does not call this.
 */
let onSignals = false;
function stopChildrenOnSignals() {
  if (onSignals) return;
  onSignals = true;
  const codes = { SIGHUP: 129, SIGINT: 130, SIGTERM: 143 };
  for (const [signal, code] of Object.entries(codes)) {
    process.once(signal, () => {
      killLive();
      process.exit(code);
    });
  }
  // A runner killed outright (SIGKILL runs no handler: `timeout -s KILL`, a CI job's group kill)
  // leaves this process to init. Then stop what it started and, when scripts/test.js made this
  // process the leader of a group of its own, that whole group: jest's workers and what they run.
  onOrphaned(() => {
    killLive();
    // Now: the group kill below ends this process too, before any exit handler would run.
    removeTempDirs();
    if (process.env.CHECKOUT_TEST_OWN_GROUP === '1') {
      try {
        process.kill(-process.pid, 'SIGKILL');
      } catch {
        // not a group leader after all
      }
    }
    process.exit(1);
  });
}

/**
 * The pid of the redis-server answering on `port` (its `INFO server`), or undefined when what
 * answers is not Redis: a port checked free can be taken by another process before ours binds it.
 */
async function redisPidAt(port, timeoutMs = 2000) {
  // Required here: setup may load this file before the dependencies are installed.
  const Redis = require('ioredis');
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    connectTimeout: timeoutMs,
    commandTimeout: timeoutMs,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
  });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return Number(/process_id:(\d+)/.exec(await client.info('server'))?.[1]) || undefined;
  } catch {
    return undefined;
  } finally {
    client.disconnect();
  }
}

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
      tempDirs.add(saved);
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

/** The consumers' max wait that suits the broker startKafkaMock returns (with the front: as on real Kafka). */
const FRONT_MAX_WAIT_MS = 500;
const GIVEN_BROKER_MAX_WAIT_MS = 100;
const BARE_MOCK_MAX_WAIT_MS = 10;

/**
 * Starts librdkafka's mock cluster through kcat (its stderr names the bootstrap servers) and, unless
 * KAFKA_MOCK_FRONT=0, the fetch-on-arrival front in its own process before it (kafka-front.js:
 * the bare mock answers a fetch only when its max wait runs out). `brokers` is what clients use;
 * `maxWaitMs` the consumer max wait that suits it. Topics auto-create (4 partitions) on first
 * metadata request.
 */
async function startKafkaMock({
  log = console.error,
  timeoutMs = 10_000,
  front = process.env.KAFKA_MOCK_FRONT !== '0',
  ownGroup = false,
} = {}) {
  ensureBinary('kcat', log);
  const children = [];
  const stop = async () => {
    for (const child of [...children].reverse()) await stopChild(child);
  };
  let mock;
  /** A new, empty mock cluster; its address. */
  const startMock = () => {
    mock = track(
      spawn(
        'kcat',
        ['-b', '127.0.0.1:1', '-X', 'test.mock.num.brokers=1', '-C', '-t', '__mock_keepalive', '-E', '-q'],
        {
          stdio: ['ignore', 'ignore', 'pipe'],
          detached: ownGroup,
        },
      ),
    );
    children.unshift(mock);
    return waitForOutput(
      mock,
      mock.stderr,
      /(?:bootstrap\.servers=|replaced with )(\S+)/,
      'kcat mock cluster',
      timeoutMs,
    );
  };
  try {
    let mockBrokers = await startMock();
    if (!front) return { brokers: mockBrokers, pid: mock.pid, maxWaitMs: BARE_MOCK_MAX_WAIT_MS, stop };
    let frontChild;
    const startFront = async (port = 0) => {
      frontChild = track(
        spawn(process.execPath, [path.join(__dirname, 'kafka-front.js'), mockBrokers, String(port)], {
          stdio: ['ignore', 'pipe', 'inherit'],
          detached: ownGroup,
        }),
      );
      children.push(frontChild);
      return waitForOutput(frontChild, frontChild.stdout, /kafka front at (\S+)/, 'Kafka front', timeoutMs);
    };
    const brokers = await startFront();
    return {
      brokers,
      get pid() {
        return mock.pid;
      },
      get frontPid() {
        return frontChild.pid;
      },
      maxWaitMs: FRONT_MAX_WAIT_MS,
      stop,
      // Fault tests: the broker as its clients see it. The mock behind the front keeps its log.
      /** Stops answering while connections stay open (SIGSTOP), as a hung broker host does. */
      freeze: () => frontChild.kill('SIGSTOP'),
      thaw: () => frontChild.kill('SIGCONT'),
      /** Drops every client connection and refuses new ones until `restart()`. */
      async kill() {
        await killChild(frontChild);
      },
      /** Listens again on the same address, as a broker back from a restart with its log. */
      async restart() {
        children.splice(children.indexOf(frontChild), 1);
        await startFront(Number(brokers.split(':').pop()));
      },
      /**
       * Drops every connection and comes back on the same address with nothing: no topics, no
       * messages, no consumer groups or committed offsets, as a broker replaced or restarted
       * without its disks.
       */
      async replaceEmpty() {
        await killChild(frontChild);
        children.splice(children.indexOf(frontChild), 1);
        await killChild(mock);
        children.splice(children.indexOf(mock), 1);
        mockBrokers = await startMock();
        await startFront(Number(brokers.split(':').pop()));
      },
    };
  } catch (err) {
    await stop();
    throw err;
  }
}

/**
 * Kafka and Redis for a run: the given ones from env, otherwise fresh local ones. `ownGroup` puts
 * what it starts in process groups of their own, so a Ctrl-C in the terminal reaches only the
 * caller, which stops the services first and the infrastructure after them (`npm start`).
 */
async function startInfra({ env = process.env, appendonly = false, ownGroup = false, log = console.error } = {}) {
  const started = [];
  let kafkaBrokers = env.KAFKA_BROKERS;
  let redisUrl = env.REDIS_URL;
  let redis;
  let kafka;
  if (!kafkaBrokers) {
    kafka = await startKafkaMock({ log, ownGroup });
    started.push(kafka);
    kafkaBrokers = kafka.brokers;
    log(`[infra] Kafka mock cluster at ${kafkaBrokers}${kafka.frontPid ? ' (fetch-on-arrival front)' : ''}`);
  }
  if (!redisUrl) {
    try {
      redis = await startRedis({ appendonly, ownGroup, log });
    } catch (err) {
      // Nothing half-started is left behind: the broker started above goes too.
      await kafka?.stop();
      throw err;
    }
    started.push(redis);
    redisUrl = redis.url;
    log(`[infra] redis-server at ${redisUrl}`);
  }
  return {
    kafkaBrokers,
    redisUrl,
    redis,
    kafka,
    /**
     * Settings for services on this infrastructure: the consumer max wait that suits the broker (the
     * started one's, or for a given one what docker-compose.yml and the Kubernetes config set for a
     * real Kafka, which answers on arrival; the chassis' default of 10 ms suits only the bare mock).
     */
    serviceEnv: { KAFKA_MAX_WAIT_MS: String(kafka ? kafka.maxWaitMs : GIVEN_BROKER_MAX_WAIT_MS) },
    async stop() {
      for (const s of started.reverse()) {
        await s.stop();
        s.cleanup?.();
      }
    },
  };
}

module.exports = {
  ensureBinary,
  freePort,
  waitForPort,
  stopChild,
  track,
  onOrphaned,
  stopChildrenOnSignals,
  startRedis,
  startKafkaMock,
  startInfra,
};
