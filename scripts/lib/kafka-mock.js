'use strict';
// A Kafka-protocol broker of our own: librdkafka's mock cluster (kcat) behind the fetch-on-arrival front.
const { spawn } = require('node:child_process');
const path = require('node:path');
const { ensureBinary } = require('./binaries');
const { waitForOutput } = require('./child-output');
const { killChild, stopChild, track } = require('./processes');

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

module.exports = { startKafkaMock, GIVEN_BROKER_MAX_WAIT_MS };
