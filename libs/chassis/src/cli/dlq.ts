import { createKafka, Publisher, createLogger, readDeadLetters, replayDeadLetters } from '../index';

const USAGE = `usage: npm run dlq -- list <service>
       npm run dlq -- replay <service> [--reason REASON] [--event-id ID]
env: KAFKA_BROKERS (default 127.0.0.1:9092)`;

/** Lists or replays a service's dead letters; replay sends each back to its original topic once. */
async function main(argv: string[]): Promise<number> {
  const [command, service, ...rest] = argv;
  if (!service || (command !== 'list' && command !== 'replay')) {
    console.error(USAGE);
    return 2;
  }
  const option = (name: string) => {
    const i = rest.indexOf(name);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const logger = createLogger('dlq-cli', 'warn');
  const brokers = (process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  const kafka = createKafka({ brokers, clientId: 'dlq-cli', logger });
  if (command === 'list') {
    const n = await readDeadLetters(kafka, service, {
      onLetter: async (l) => {
        console.log(
          JSON.stringify({
            offset: `${l.partition}:${l.offset}`,
            reason: l.reason,
            error: l.error,
            origin: `${l.originalTopic}/${l.originalPartition}@${l.originalOffset}`,
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
