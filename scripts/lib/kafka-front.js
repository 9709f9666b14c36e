'use strict';
// A Kafka-protocol front for librdkafka's mock cluster that answers fetches when data arrives.
//
// The mock answers an empty fetch only when the consumer's max wait runs out, even if a message
// arrived meanwhile (a real broker answers at once). So consumers on the bare mock must poll every
// few milliseconds: a quarter of a 2-core machine doing nothing, and a few ms on every hop. This
// front sits between the clients and the mock, one upstream connection per client connection, and
// passes every request through unchanged except:
// - Fetch: sent upstream with a max wait of 0. An answer with records (or an error) goes to the
//   client at once; an empty one is held until a produce to one of the fetch's topics has been
//   acknowledged (then the fetch is sent again) or until the client's own max wait runs out (then
//   the empty answer goes back), which is how a real broker long-polls.
// - Metadata and FindCoordinator answers name the front, not the mock, so clients stay on it.
// Only the request versions kafkajs uses are read (Fetch 4–11, Produce 3–7: fixed-width fields,
// no tagged fields); other versions pass through untouched.
const net = require('node:net');

const API = { PRODUCE: 0, FETCH: 1, METADATA: 3, FIND_COORDINATOR: 10 };

/** Cuts a byte stream into size-prefixed Kafka frames. */
function framer(onFrame) {
  let buffered = Buffer.alloc(0);
  return (chunk) => {
    buffered = buffered.length ? Buffer.concat([buffered, chunk]) : chunk;
    while (buffered.length >= 4) {
      const size = buffered.readInt32BE(0);
      if (buffered.length < 4 + size) break;
      onFrame(buffered.subarray(0, 4 + size));
      buffered = buffered.subarray(4 + size);
    }
  };
}

class Reader {
  constructor(buf, offset) {
    this.buf = buf;
    this.at = offset;
  }
  int16() {
    return this.buf.readInt16BE((this.at += 2) - 2);
  }
  int32() {
    return this.buf.readInt32BE((this.at += 4) - 4);
  }
  skip(n) {
    this.at += n;
  }
  string() {
    const len = this.int16();
    if (len < 0) return null;
    const s = this.buf.toString('utf8', this.at, this.at + len);
    this.at += len;
    return s;
  }
  bytesLength() {
    const len = this.int32();
    if (len > 0) this.at += len;
    return len;
  }
}

/** A request's header fields and where its body starts (request header v1). */
function requestHeader(frame) {
  const apiKey = frame.readInt16BE(4);
  const apiVersion = frame.readInt16BE(6);
  const correlationId = frame.readInt32BE(8);
  const clientIdLength = frame.readInt16BE(12);
  return { apiKey, apiVersion, correlationId, body: 14 + Math.max(0, clientIdLength) };
}

/** The topics a Fetch (v4–v11) asks for; the max wait sits at body + 4. */
function fetchTopics(frame, body, version) {
  const r = new Reader(frame, body + 16 + 1 + (version >= 7 ? 8 : 0));
  const topics = new Set();
  for (let t = r.int32(); t > 0; t--) {
    topics.add(r.string());
    const partitionBytes = 4 + (version >= 9 ? 4 : 0) + 8 + (version >= 5 ? 8 : 0) + 4;
    r.skip(r.int32() * partitionBytes);
  }
  return topics;
}

/** The topics a Produce (v3–v7) writes to; none when it asks for no answer (acks 0). */
function produceTopics(frame, body) {
  const r = new Reader(frame, body);
  r.string(); // transactional id
  const acks = r.int16();
  r.skip(4); // timeout
  const topics = [];
  if (acks === 0) return topics;
  for (let t = r.int32(); t > 0; t--) {
    topics.push(r.string());
    for (let p = r.int32(); p > 0; p--) {
      r.skip(4);
      r.bytesLength();
    }
  }
  return topics;
}

/** Whether a Fetch answer (v4–v11) carries records or an error: then it goes to the client now. */
function fetchAnswerWorthSending(frame, version) {
  const r = new Reader(frame, 8);
  r.skip(4); // throttle time
  if (version >= 7) {
    if (r.int16() !== 0) return true;
    r.skip(4);
  }
  for (let t = r.int32(); t > 0; t--) {
    r.string();
    for (let p = r.int32(); p > 0; p--) {
      r.skip(4);
      if (r.int16() !== 0) return true;
      r.skip(8 + 8 + (version >= 5 ? 8 : 0));
      const aborted = r.int32();
      if (aborted > 0) r.skip(aborted * 16);
      if (version >= 11) r.skip(4);
      if (r.bytesLength() > 0) return true;
    }
  }
  return false;
}

/** Replaces every occurrence of (host, port) as a Kafka string + int32 with the front's port. */
function renameBroker(frame, host, fromPort, toPort) {
  const pattern = Buffer.alloc(2 + Buffer.byteLength(host) + 4);
  pattern.writeInt16BE(Buffer.byteLength(host), 0);
  pattern.write(host, 2);
  pattern.writeInt32BE(fromPort, pattern.length - 4);
  for (let at = frame.indexOf(pattern); at !== -1; at = frame.indexOf(pattern, at + pattern.length)) {
    frame.writeInt32BE(toPort, at + pattern.length - 4);
  }
  return frame;
}

/**
 * Starts the front on `port` (0: any) in this process, in front of the mock at `upstream`
 * ("host:port"). Returns its bootstrap address and a close().
 */
async function startKafkaFront({ upstream, port = 0, host = '127.0.0.1' }) {
  const [upHost, upPortText] = upstream.split(':');
  const upPort = Number(upPortText);
  /** topic → held fetches waiting for a produce to it */
  const waiting = new Map();
  const sockets = new Set();

  const server = net.createServer((client) => {
    client.setNoDelay(true);
    const mock = net.connect(upPort, upHost);
    mock.setNoDelay(true);
    sockets.add(client);
    sockets.add(mock);
    /** correlation id → { apiKey, apiVersion, fetch?, topics? } for requests sent upstream */
    const sent = new Map();
    const held = new Set();

    const unhold = (fetch) => {
      held.delete(fetch);
      clearTimeout(fetch.timer);
      for (const topic of fetch.topics) waiting.get(topic)?.delete(fetch);
    };
    const refetch = (fetch) => {
      unhold(fetch);
      sent.set(fetch.correlationId, fetch.request);
      mock.write(fetch.frame);
    };
    const answer = (fetch) => {
      unhold(fetch);
      client.write(fetch.answer);
    };

    client.on(
      'data',
      framer((frame) => {
        const h = requestHeader(frame);
        const request = { apiKey: h.apiKey, apiVersion: h.apiVersion };
        if (h.apiKey === API.FETCH && h.apiVersion >= 4 && h.apiVersion <= 11) {
          const maxWait = frame.readInt32BE(h.body + 4);
          frame.writeInt32BE(0, h.body + 4);
          request.fetch = {
            correlationId: h.correlationId,
            frame,
            request,
            topics: fetchTopics(frame, h.body, h.apiVersion),
            deadline: Date.now() + maxWait,
            wake: refetch,
          };
        } else if (h.apiKey === API.PRODUCE && h.apiVersion >= 3 && h.apiVersion <= 7) {
          request.topics = produceTopics(frame, h.body);
          // acks 0: no answer will come to match.
          if (request.topics.length === 0) return void mock.write(frame);
        }
        sent.set(h.correlationId, request);
        mock.write(frame);
      }),
    );

    mock.on(
      'data',
      framer((frame) => {
        const correlationId = frame.readInt32BE(4);
        const request = sent.get(correlationId);
        sent.delete(correlationId);
        const fetch = request?.fetch;
        if (fetch) {
          const wait = fetch.deadline - Date.now();
          if (wait <= 0 || fetchAnswerWorthSending(frame, request.apiVersion)) return void client.write(frame);
          fetch.answer = frame;
          fetch.timer = setTimeout(() => answer(fetch), wait);
          held.add(fetch);
          for (const topic of fetch.topics) {
            if (!waiting.has(topic)) waiting.set(topic, new Set());
            waiting.get(topic).add(fetch);
          }
          return;
        }
        if (request?.apiKey === API.METADATA || request?.apiKey === API.FIND_COORDINATOR) {
          renameBroker(frame, upHost, upPort, server.address().port);
        }
        client.write(frame);
        if (request?.topics) {
          for (const topic of request.topics) {
            const fetches = waiting.get(topic);
            if (fetches) for (const f of [...fetches]) f.wake(f);
          }
        }
      }),
    );

    const close = () => {
      for (const fetch of [...held]) unhold(fetch);
      client.destroy();
      mock.destroy();
      sockets.delete(client);
      sockets.delete(mock);
    };
    client.on('error', close).on('close', close);
    mock.on('error', close).on('close', close);
  });

  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, resolve);
  });
  return {
    brokers: `${host}:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

module.exports = { startKafkaFront, fetchAnswerWorthSending, renameBroker };

if (require.main === module) {
  const [upstream, port] = process.argv.slice(2);
  startKafkaFront({ upstream, port: Number(port ?? 0) }).then(
    (front) => {
      process.stdout.write(`kafka front at ${front.brokers}\n`);
      const stop = () => front.close().then(() => process.exit(0));
      process.on('SIGTERM', stop).on('SIGINT', stop);
    },
    (err) => {
      process.stderr.write(`kafka front failed: ${err.stack}\n`);
      process.exit(1);
    },
  );
}
