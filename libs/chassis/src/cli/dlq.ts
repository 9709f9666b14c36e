import net from 'node:net';
import { DEAD_LETTERING_SERVICES } from '@checkout/contracts';
import {
  baseConfigSchema,
  createKafka,
  createLogger,
  loadConfigFrom,
  originOf,
  Publisher,
  readDeadLetters,
  replayDeadLetters,
} from '../index';

const USAGE = `usage: npm run -s dlq -- list <service>
       npm run -s dlq -- replay <service> [--reason REASON] [--event-id ID]
service: ${DEAD_LETTERING_SERVICES.join(', ')}
env: KAFKA_BROKERS (default 127.0.0.1:9092; npm start prints the one it started)`;

/** Whether a TCP connection to host:port opens within `timeoutMs`. */
function reachable(broker: string, timeoutMs = 3000): Promise<boolean> {
  const i = broker.lastIndexOf(':');
  const host = broker.slice(0, i).replace(/^\[|\]$/g, '');
  const port = Number(broker.slice(i + 1));
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: timeoutMs });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

/** Lists or replays a service's dead letters; replay sends each back to its original topic once. */
async function main(argv: string[]): Promise<number> {
  const [command, service, ...rest] = argv;
  if (!service || (command !== 'list' && command !== 'replay')) {
    console.error(USAGE);
    return 2;
  }
  // An unknown name would not just list nothing: the broker would create its dlq topic.
  if (!(DEAD_LETTERING_SERVICES as readonly string[]).includes(service)) {
    console.error(`no service ${service} dead-letters events\n${USAGE}`);
    return 2;
  }
  const option = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const logger = createLogger('dlq-cli', 'warn');
  // The services' own reading of KAFKA_BROKERS: trimmed, blank as unset.
  const brokers = loadConfigFrom(baseConfigSchema.pick({ KAFKA_BROKERS: true }), process.env).KAFKA_BROKERS;
  // kafkajs would retry for ~30 s, logging each attempt, before it gave up on a wrong address.
  if (!(await Promise.all(brokers.map((b) => reachable(b)))).some(Boolean)) {
    console.error(`cannot reach Kafka at ${brokers.join(',')}: set KAFKA_BROKERS (npm start prints its broker)`);
    return 1;
  }
  const kafka = createKafka({ brokers, clientId: 'dlq-cli', logger });
  if (command === 'list') {
    const n = await readDeadLetters(kafka, service, {
      onLetter: async (l) => {
        console.log(
          JSON.stringify({
            offset: `${l.partition}:${l.offset}`,
            reason: l.reason,
            error: l.error,
            origin: originOf(l),
            eventId: l.eventId,
          }),
        );
      },
    });
    console.error(`${n} dead letter(s) in dlq.${service}`);
    return 0;
  }
  const reason = option('--reason');
  const eventId = option('--event-id');
  const publisher = new Publisher(kafka);
  await publisher.connect();
  const result = await replayDeadLetters(
    kafka,
    publisher,
    service,
    (l) => (!reason || l.reason === reason) && (!eventId || l.eventId === eventId),
  );
  await publisher.disconnect();
  console.error(`replayed ${result.replayed}, skipped ${result.skipped} from dlq.${service}`);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
