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
//   the empty answer goes back), which is how a real broker long-polls. The mock also answers with
//   at most one record batch per partition; while a partition has more, the front fetches again
//   from where the answer ends and appends what comes, up to the client's byte limits, as Kafka
//   fills a fetch answer, for at most KAFKA_FRONT_FILL_MS (2): a consumer behind by n batches then
//   catches up in one fetch cycle, not n, and its first batch waits little for the last.
// - Metadata and FindCoordinator answers name the front, not the mock, so clients stay on it.
// Only the request versions kafkajs uses are read (Fetch 4–11, Produce 3–7: fixed-width fields,
// no tagged fields); other versions pass through untouched.
const net = require('node:net');

/** How long the front may spend appending a partition's next batches to a fetch answer. */
const DEFAULT_FILL_MS = 2;

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

/**
 * The partitions a Fetch (v4–v11) asks for, keyed "topic|partition", each with where its fetch
 * offset sits in the frame and its byte limit; and the fetch's overall byte limit. The max wait
 * sits at body + 4.
 */
function fetchRequest(frame, body, version) {
  const r = new Reader(frame, body + 12);
  const maxBytes = r.int32();
  r.skip(1 + (version >= 7 ? 8 : 0)); // isolation level, fetch session
  const partitions = new Map();
  for (let t = r.int32(); t > 0; t--) {
    const topic = r.string();
    for (let p = r.int32(); p > 0; p--) {
      const partition = r.int32();
      if (version >= 9) r.skip(4); // current leader epoch
      const offsetAt = r.at;
      const offset = frame.readBigInt64BE(offsetAt);
      r.skip(8 + (version >= 5 ? 8 : 0)); // fetch offset, log start offset
      partitions.set(`${topic}|${partition}`, { topic, offsetAt, offset, maxBytes: r.int32() });
    }
  }
  return { maxBytes, partitions };
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

/**
 * The partitions of a Fetch answer (v4–v11) without a top-level error, in order, each with where
 * its high watermark and records sit; null when the answer has a top-level error.
 */
function fetchAnswerPartitions(frame, version) {
  const r = new Reader(frame, 8);
  r.skip(4); // throttle time
  if (version >= 7) {
    if (r.int16() !== 0) return null;
    r.skip(4);
  }
  const partitions = [];
  for (let t = r.int32(); t > 0; t--) {
    const topic = r.string();
    for (let p = r.int32(); p > 0; p--) {
      const key = `${topic}|${r.int32()}`;
      const errorCode = r.int16();
      const watermarkAt = r.at;
      r.skip(8 + 8 + (version >= 5 ? 8 : 0)); // high watermark, last stable offset, log start offset
      const aborted = r.int32();
      if (aborted > 0) r.skip(aborted * 16);
      if (version >= 11) r.skip(4); // preferred read replica
      const lengthAt = r.at;
      const length = Math.max(0, r.bytesLength());
      partitions.push({ key, errorCode, watermarkAt, lengthAt, start: lengthAt + 4, length });
    }
  }
  return partitions;
}

/** Whether a Fetch answer (v4–v11) carries records or an error: then it goes to the client now. */
function fetchAnswerWorthSending(frame, version) {
  const partitions = fetchAnswerPartitions(frame, version);
  return partitions === null || partitions.some((p) => p.errorCode !== 0 || p.length > 0);
}

const BATCH_HEADER = 61;

/** Where a partition's readable records end: its high watermark, or the last stable offset if lower. */
function readableEnd(frame, watermarkAt) {
  const high = frame.readBigInt64BE(watermarkAt);
  const stable = frame.readBigInt64BE(watermarkAt + 8);
  return stable >= 0n && stable < high ? stable : high;
}

/**
 * The offset after the last record batch in frame[start, start + length), or null when the bytes
 * do not end on a whole batch (a batch cut by a byte limit: nothing may be appended after it).
 */
function offsetAfterBatches(frame, start, length) {
  let at = start;
  let next = null;
  while (at + BATCH_HEADER <= start + length) {
    const end = at + 12 + frame.readInt32BE(at + 8);
    if (end > start + length) return null;
    next = frame.readBigInt64BE(at) + BigInt(frame.readInt32BE(at + 23)) + 1n; // base offset + last delta + 1
    at = end;
  }
  return at === start + length ? next : null;
}

/**
 * Fills one client fetch from several mock answers. `add(answer)` takes the first answer, then each
 * follow-up's, and returns the follow-up request to send, or null once every partition has caught
 * up with its high watermark, the byte limit is reached or `budgetMs` is spent; `answer()` is then
 * the merged Fetch answer.
 */
class FetchFill {
  constructor(request, body, version, budgetMs) {
    this.version = version;
    this.until = Date.now() + budgetMs;
    this.limits = fetchRequest(request, body, version);
    this.next = Buffer.from(request);
    this.bytes = 0;
    /** key → { offset, watermark, bytes, more: Buffer[], closed } for the answer's error-free partitions */
    this.open = null;
  }

  add(answer) {
    this.first ??= answer;
    const partitions = fetchAnswerPartitions(answer, this.version);
    if (!partitions) return null;
    let behind = false;
    if (!this.open) {
      this.partitions = partitions;
      this.open = new Map();
      for (const p of partitions) {
        const limit = this.limits.partitions.get(p.key);
        if (p.errorCode !== 0 || !limit) continue;
        const after = p.length ? offsetAfterBatches(answer, p.start, p.length) : limit.offset;
        if (after === null) continue;
        this.bytes += p.length;
        const watermark = readableEnd(answer, p.watermarkAt);
        this.open.set(p.key, { offset: after, watermark, bytes: p.length, more: [], closed: false });
      }
    } else {
      for (const p of partitions) {
        const open = this.open.get(p.key);
        if (!open || open.closed || (p.errorCode === 0 && p.length === 0)) continue;
        const after = p.errorCode === 0 ? offsetAfterBatches(answer, p.start, p.length) : null;
        // An error, a cut batch or the partition's byte limit: it keeps what it has.
        if (after === null || open.bytes + p.length > this.limits.partitions.get(p.key).maxBytes) {
          open.closed = true;
          continue;
        }
        open.more.push(answer.subarray(p.start, p.start + p.length));
        open.bytes += p.length;
        open.offset = after;
        open.watermark = readableEnd(answer, p.watermarkAt);
        open.highWatermark = answer.readBigInt64BE(p.watermarkAt);
        open.stableOffset = answer.readBigInt64BE(p.watermarkAt + 8);
        this.bytes += p.length;
      }
    }
    for (const [key, open] of this.open) {
      if (open.closed) continue;
      if (open.offset < open.watermark) behind = true;
      this.next.writeBigInt64BE(open.offset, this.limits.partitions.get(key).offsetAt);
    }
    if (!behind || this.bytes >= this.limits.maxBytes || Date.now() >= this.until) return null;
    return this.next;
  }

  /** The first answer with every follow-up's batches appended to their partitions. */
  answer() {
    if (!this.partitions) return this.first;
    const parts = [];
    let from = 0;
    for (const p of this.partitions) {
      const open = this.open.get(p.key);
      if (!open?.more.length) continue;
      this.first.writeBigInt64BE(open.highWatermark, p.watermarkAt);
      this.first.writeBigInt64BE(open.stableOffset, p.watermarkAt + 8);
      const length = Buffer.alloc(4);
      length.writeInt32BE(open.bytes);
      parts.push(
        this.first.subarray(from, p.lengthAt),
        length,
        this.first.subarray(p.start, p.start + p.length),
        ...open.more,
      );
      from = p.start + p.length;
    }
    if (parts.length === 0) return this.first;
    parts.push(this.first.subarray(from));
    const merged = Buffer.concat(parts);
    merged.writeInt32BE(merged.length - 4, 0);
    return merged;
  }
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
async function startKafkaFront({ upstream, port = 0, host = '127.0.0.1', fillMs = DEFAULT_FILL_MS }) {
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
            body: h.body,
            request,
            topics: new Set([...fetchRequest(frame, h.body, h.apiVersion).partitions.values()].map((p) => p.topic)),
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
          if (fetch.fill || fetchAnswerWorthSending(frame, request.apiVersion)) {
            if (fillMs <= 0) return void client.write(frame);
            fetch.fill ??= new FetchFill(fetch.frame, fetch.body, request.apiVersion, fillMs);
            const more = fetch.fill.add(frame);
            if (!more) return void client.write(fetch.fill.answer());
            sent.set(correlationId, request);
            return void mock.write(more);
          }
          const wait = fetch.deadline - Date.now();
          if (wait <= 0) return void client.write(frame);
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

module.exports = { startKafkaFront, fetchAnswerWorthSending, renameBroker, FetchFill };

if (require.main === module) {
  const [upstream, port] = process.argv.slice(2);
  const fillMs = process.env.KAFKA_FRONT_FILL_MS;
  startKafkaFront({ upstream, port: Number(port ?? 0), ...(fillMs ? { fillMs: Number(fillMs) } : {}) }).then(
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
