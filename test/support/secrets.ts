import fs from 'node:fs';
import path from 'node:path';
import Redis from 'ioredis';
import { api } from './http';
import { checkoutBody, placeOrder, waitForTerminal } from './saga';
import { waitFor } from './wait';
import type { RecordedMessage } from './kafka';

/** A Luhn-valid test card (ends 5556, so the gateway authorizes it) and its CVC: the canary. */
export const CANARY_CARD = '4000 0566 5566 5556';
export const CANARY_CVC = '737';

const CARD = /4000[\s-]?0566[\s-]?5566[\s-]?5556/;
// A bare "737" is everywhere (ports, uuids, timestamps): what leaks is a CVC field holding it.
const CVC = /(cvc|cvv|cvc2|cvv2|csc|securityCode)["']?\s*[:=]\s*["']?737\b/i;

export interface Canary {
  token: string;
  orderId: string;
}

/**
 * Tokenizes the canary card at the gateway, sends the raw card and CVC to checkout in a request it
 * must reject, and pays one real order with the canary's token, so every path a card touches ran.
 */
export async function plantCanary(): Promise<Canary> {
  const tokenRes = await api('payment-gateway-mock').post('/v1/tokens', {
    cardNumber: CANARY_CARD,
    expMonth: 12,
    expYear: new Date().getUTCFullYear() + 3,
    cvc: CANARY_CVC,
  });
  if (tokenRes.status !== 201) throw new Error(`canary tokenization answered ${tokenRes.status}`);
  const token = tokenRes.data.id as string;

  const body = await checkoutBody([['sku-010', 1]]);
  const raw = await api('checkout-service').post('/checkout', {
    ...body,
    payment: { cardNumber: CANARY_CARD, cvc: CANARY_CVC, expMonth: 12, expYear: 2030 },
  });
  if (raw.status < 400 || raw.status >= 500) throw new Error(`raw card data was answered ${raw.status}`);

  const data = await payCanaryOrder(token);
  // Checkout and inventory read payment.authorized each in their own group: CONFIRMED at checkout
  // does not mean the unit is sold yet. Wait for that too, or a test's stock snapshot taken now
  // would see the canary's commit land later (with two inventory members a rebalance can delay it).
  await reservationReaches(data.orderId, ['COMMITTED'], "the canary's reservation to be committed");
  return { token, orderId: data.orderId };
}

/** Waits until inventory holds the order's reservation in one of `statuses`. */
async function reservationReaches(orderId: string, statuses: string[], what: string): Promise<void> {
  await waitFor(
    async () => {
      const r = await api('inventory-service').get(`/reservations/${orderId}`);
      return r.status === 200 && statuses.includes(r.data.status as string);
    },
    { timeoutMs: 60_000, what },
  );
}

/**
 * One CONFIRMED order paid with the canary's token. A system started with reservations of a
 * second or two (the expiry race) can let the first order's reservation run out while the services
 * still warm up: that order ends RESERVATION_EXPIRED, which is the system doing its job, and another
 * is placed. Any other ending is a failure.
 */
async function payCanaryOrder(token: string, attempts = 3): Promise<{ orderId: string }> {
  for (let attempt = 1; ; attempt++) {
    const { data } = await placeOrder(await checkoutBody([['sku-010', 1]], token));
    const order = await waitForTerminal(data.orderId);
    if (order.status === 'CONFIRMED') return data;
    if (order.code !== 'RESERVATION_EXPIRED' || attempt >= attempts)
      throw new Error(`the canary's order ended ${order.status} ${order.code ?? ''}`);
    console.warn(`the canary's order ${data.orderId} ended RESERVATION_EXPIRED (attempt ${attempt}): placing another`);
    // Its unit back in stock first, or a test's snapshot taken now would count it reserved.
    await reservationReaches(data.orderId, ['RELEASED', 'FAILED'], "the expired canary's reservation to be released");
  }
}

const findings: string[] = [];
function scan(where: string, text: string, patterns: [string, RegExp | string][]) {
  for (const [name, p] of patterns) {
    if (typeof p === 'string' ? text.includes(p) : p.test(text))
      findings.push(`${name} in ${where}: ${text.slice(0, 300)}`);
  }
}

async function redisDump(url: string): Promise<{ key: string; text: string }[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  await redis.connect();
  const out: { key: string; text: string }[] = [];
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'COUNT', 1000);
      cursor = next;
      for (const key of keys) {
        const type = await redis.type(key);
        let value: unknown;
        if (type === 'string') value = await redis.get(key);
        else if (type === 'hash') value = await redis.hgetall(key);
        else if (type === 'list') value = await redis.lrange(key, 0, -1);
        else if (type === 'set') value = await redis.smembers(key);
        else if (type === 'zset') value = await redis.zrange(key, 0, -1, 'WITHSCORES');
        else if (type === 'stream') value = await redis.xrange(key, '-', '+');
        out.push({ key, text: `${key} ${JSON.stringify(value)}` });
      }
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
  return out;
}

/**
 * Fails when the canary card number or CVC appears in any log line, Kafka message (value, key,
 * headers; dead letters included) or Redis key or value; the canary token must not be logged
 * either. Returns what it scanned.
 */
export async function assertNoSecrets(opts: {
  logDir: string;
  redisUrl: string;
  messages: RecordedMessage[];
  canary: Canary;
}): Promise<{ logLines: number; messages: number; redisKeys: number }> {
  findings.length = 0;
  const secret: [string, RegExp][] = [
    ['card number', CARD],
    ['CVC', CVC],
  ];
  let logLines = 0;
  for (const file of fs.readdirSync(opts.logDir)) {
    for (const line of fs.readFileSync(path.join(opts.logDir, file), 'utf8').split('\n')) {
      logLines++;
      scan(`log ${file}`, line, [...secret, ['payment token', opts.canary.token]]);
    }
  }
  for (const m of opts.messages) {
    scan(`${m.topic}/${m.partition}@${m.offset}`, `${m.key} ${m.value} ${JSON.stringify(m.headers)}`, secret);
  }
  const dump = await redisDump(opts.redisUrl);
  for (const { key, text } of dump) scan(`redis ${key}`, text, secret);
  expect(findings).toEqual([]);
  return { logLines, messages: opts.messages.length, redisKeys: dump.length };
}
