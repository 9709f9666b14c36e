'use strict';
// A lean JSON client on node:http with keep-alive: the load generator must cost little CPU,
// since it shares the machine with the system it measures.
const http = require('node:http');

const agent = (maxSockets = 256) => new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });

/**
 * Sends one request; resolves { status, body, json() } or { status: 0, error } — never rejects.
 * `payload` may be a pre-serialized string.
 */
function request(url, { method = 'GET', payload, headers = {}, agent: a, timeoutMs = 10_000 } = {}) {
  return new Promise((resolve) => {
    const body = payload === undefined ? undefined : typeof payload === 'string' ? payload : JSON.stringify(payload);
    const req = http.request(
      url,
      {
        method,
        agent: a,
        headers:
          body === undefined
            ? headers
            : { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          resolve({ status: res.statusCode, body: text, json: () => (text ? JSON.parse(text) : undefined) });
        });
        res.on('error', (error) => resolve({ status: 0, error: error.code ?? error.message }));
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (error) => resolve({ status: 0, error: error.code ?? error.message }));
    if (body !== undefined) req.write(body);
    req.end();
  });
}

async function getJson(url, options) {
  const res = await request(url, options);
  if (res.status !== 200) throw new Error(`GET ${url} answered ${res.status || res.error}: ${res.body ?? ''}`);
  return res.json();
}

/** Runs fn over items with at most `concurrency` in flight; results keep the items' order. */
async function mapLimit(items, concurrency, fn) {
  const out = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return out;
}

module.exports = { agent, request, getJson, mapLimit };
