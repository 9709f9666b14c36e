import { randomUUID } from 'node:crypto';
import { buildOrderCreated, createEvent } from '@checkout/contracts';
import { waitFor } from '../../../test/support';
import { OUTBOX_LUA, Outbox, Publisher, defineScript } from '../src';
import { messagingFixture } from './messaging-fixture';

describe('outbox relay (real Redis and Kafka protocol)', () => {
  const { logger, publisher, redis, prefix, seen } = messagingFixture('relay');

  it('when a state change is written with its event, then the relay publishes it with its correlation id', async () => {
    const outbox = new Outbox({ redis, prefix, publisher, logger });
    const event = createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'corr-outbox' });
    await outbox.addTo(redis.multi().set(`${prefix}:state`, 'x'), [event]).exec();
    outbox.kick();
    const got = await waitFor(() => seen.find((e) => e.id === event.id), { what: 'the event to arrive' });
    expect(got.correlationId).toBe('corr-outbox');
    expect(got.data).toEqual(event.data);
    // Deleted once the relay has Kafka's acknowledgement, which can reach it after the consumer
    // already has the event.
    await waitFor(async () => (await redis.xlen(outbox.stream)) === 0, { what: 'the relay to delete the entry' });
  });

  it('when the writer died before publishing, then a relay started later publishes what was left', async () => {
    const event = createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'c' });
    const writer = new Outbox({ redis, prefix, publisher, logger });
    await writer.addTo(redis.multi(), [event]).exec();
    const recovered = new Outbox({ redis, prefix, publisher, logger, pollMs: 50 });
    recovered.start();
    await waitFor(() => seen.find((e) => e.id === event.id), { what: 'the left-over event' });
    await recovered.stop();
  });

  it('when a write goes through publishing(), then the relay claims right behind it, without waiting for its answer', async () => {
    const outbox = new Outbox({ redis, prefix: `${prefix}-behind`, publisher, logger });
    const event = createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'behind' });
    await outbox.addTo(redis.multi(), [event]).exec();
    // A write whose answer has not come: the relay publishes what the stream holds meanwhile.
    let answer!: (value: string) => void;
    const write = outbox.publishing(new Promise<string>((resolve) => (answer = resolve)));
    await waitFor(() => seen.find((e) => e.id === event.id), { what: 'the event, before the write answered' });
    answer('written');
    await expect(write).resolves.toBe('written');
  });

  it('when Redis no longer knows the writing script, then its event is still published at once, not on the next poll', async () => {
    const outbox = new Outbox({ redis, prefix: `${prefix}-resent`, publisher, logger });
    // Unique Lua, so Redis has never seen it: the EVALSHA answers NOSCRIPT and the script is sent
    // again in full, after the relay's claim (already known to Redis) has run.
    const write = defineScript<[string]>(
      redis,
      1,
      `-- ${randomUUID()}\n${OUTBOX_LUA}\noutbox_add(KEYS[1], ARGV[1])\nreturn 1`,
    );
    await outbox.drain();
    const event = createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'resent' });
    // No relay is started here, so nothing polls: only publishing() can send it.
    expect(await outbox.publishing(write([outbox.stream], Outbox.serialize(event)))).toBe(1);
    await waitFor(() => seen.find((e) => e.id === event.id), { what: 'the event of the resent script' });
  });

  it('when Kafka refuses a batch, then its entries stay in the stream and the lock is free for the next pass', async () => {
    const failing = { send: () => Promise.reject(new Error('broker down')) } as unknown as Publisher;
    const p = `${prefix}-refused`;
    const outbox = new Outbox({ redis, prefix: p, publisher: failing, logger });
    const event = createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'c' });
    await outbox.addTo(redis.multi(), [event]).exec();
    await expect(outbox.drain()).rejects.toThrow('broker down');
    expect(await redis.xlen(outbox.stream)).toBe(1);
    expect(await redis.exists(`${p}:outbox:lock`)).toBe(0);
    const healthy = new Outbox({ redis, prefix: p, publisher, logger });
    expect(await healthy.drain()).toBe(1);
    await waitFor(() => seen.find((e) => e.id === event.id), { what: 'the event, published on the next pass' });
  });

  it('when a backlog is larger than one send may carry, then it goes out in several sends, in order, each within the bound', async () => {
    const sends: { topic: string; key: string; value: string }[][] = [];
    const counting = {
      send: async (records: Parameters<Publisher['send']>[0]) => {
        sends.push(records.map((r) => ({ topic: r.topic, key: String(r.key), value: String(r.value) })));
        return publisher.send(records);
      },
    } as unknown as Publisher;
    const maxSendBytes = 4096;
    const outbox = new Outbox({ redis, prefix: `${prefix}-chunked`, publisher: counting, logger, maxSendBytes });
    const events = Array.from({ length: 12 }, () =>
      createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'chunked' }),
    );
    await outbox.addTo(redis.multi(), events).exec();
    expect(await outbox.drain()).toBe(12);

    expect(sends.length).toBeGreaterThan(1);
    expect(sends.flat().map((r) => r.key)).toEqual(events.map((e) => e.subject));
    for (const send of sends) {
      const bytes = send.reduce((n, r) => n + Buffer.byteLength(r.value), 0);
      if (send.length > 1) expect(bytes).toBeLessThanOrEqual(maxSendBytes);
    }
    expect(await redis.xlen(outbox.stream)).toBe(0);
    await waitFor(() => events.every((e) => seen.some((s) => s.id === e.id)), { what: 'every event of the backlog' });
  });

  it('when a later send of a large backlog fails, then the sends before it are acknowledged and only the rest waits for the next pass', async () => {
    const p = `${prefix}-chunk-fails`;
    let sends = 0;
    let firstSend = 0;
    const failsSecond = {
      send: async (records: Parameters<Publisher['send']>[0]) => {
        sends++;
        if (sends === 2) throw new Error('broker refused');
        if (sends === 1) firstSend = records.length;
        return publisher.send(records);
      },
    } as unknown as Publisher;
    const outbox = new Outbox({ redis, prefix: p, publisher: failsSecond, logger, maxSendBytes: 4096 });
    const events = Array.from({ length: 12 }, () =>
      createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'chunk-fails' }),
    );
    await outbox.addTo(redis.multi(), events).exec();
    await expect(outbox.drain()).rejects.toThrow('broker refused');
    expect(firstSend).toBeGreaterThan(0);
    expect(await redis.xlen(outbox.stream)).toBe(12 - firstSend);
    expect(await redis.exists(`${p}:outbox:lock`)).toBe(0);
    expect(await outbox.drain()).toBe(12 - firstSend);
    await waitFor(() => events.every((e) => seen.some((s) => s.id === e.id)), { what: 'every event, once sent' });
  });

  it('when the lock is still held by this relay (a claim resent after a dropped connection), then it publishes at once', async () => {
    const p = `${prefix}-resent`;
    let owner: string | null = null;
    const watching = {
      send: async (records: Parameters<Publisher['send']>[0]) => {
        owner ??= await redis.get(`${p}:outbox:lock`);
        return publisher.send(records);
      },
    } as unknown as Publisher;
    const outbox = new Outbox({ redis, prefix: p, publisher: watching, logger });
    const first = createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'c' });
    await outbox.addTo(redis.multi(), [first]).exec();
    expect(await outbox.drain()).toBe(1);
    expect(owner).toEqual(expect.any(String));

    // The lock a first run of the claim took, whose answer never came back.
    await redis.set(`${p}:outbox:lock`, owner!, 'PX', 10_000);
    const second = createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'c' });
    await outbox.addTo(redis.multi(), [second]).exec();
    expect(await outbox.drain()).toBe(1);
    expect(await redis.exists(`${p}:outbox:lock`)).toBe(0);
    await waitFor(() => seen.find((e) => e.id === second.id), { what: 'the second event' });
  });

  it('when another relay holds the lock, then this one publishes nothing and leaves the entry to it', async () => {
    const p = `${prefix}-locked`;
    const outbox = new Outbox({ redis, prefix: p, publisher, logger });
    const event = createEvent('order.created', buildOrderCreated(), { source: '/t', correlationId: 'c' });
    await outbox.addTo(redis.multi(), [event]).exec();
    await redis.set(`${p}:outbox:lock`, 'another-relay', 'PX', 10_000);
    expect(await outbox.drain()).toBe(0);
    expect(await redis.xlen(outbox.stream)).toBe(1);
    expect(await redis.get(`${p}:outbox:lock`)).toBe('another-relay');
    await redis.del(`${p}:outbox:lock`, outbox.stream);
  });
});
