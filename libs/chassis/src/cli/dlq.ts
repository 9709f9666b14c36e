import net from 'node:net';
import { parseArgs } from 'node:util';
import { DEAD_LETTERING_SERVICES, withoutCardNumbers } from '@checkout/contracts';
import {
  baseConfigSchema,
  createKafka,
  createLogger,
  DEAD_LETTER_REASONS,
  kafkaSecurity,
  loadConfigFrom,
  originOf,
  Publisher,
  readDeadLetters,
  type DeadLetter,
  type KafkaSecurity,
  replayDeadLetters,
} from '../index';

const USAGE = `usage: npm run -s dlq -- list <service> [--reason REASON] [--event-id ID]
       npm run -s dlq -- replay <service> [--reason REASON] [--event-id ID] [--from-beginning]
replay: each letter once; one skipped (not matching) is not offered again unless --from-beginning
        (with a filter), which reads every letter kept again: those it selects are sent again
service: ${DEAD_LETTERING_SERVICES.join(', ')}
reason: ${DEAD_LETTER_REASONS.join(', ')}
env: KAFKA_BROKERS (default 127.0.0.1:9092; npm start prints the one it started)`;

/**
 * The command line, strictly: a filter a replay could not read would select every letter, and a
 * replay commits what it skips. So an unknown option, one without its value, an empty one or a
 * reason no letter can have is refused (exit 2) before anything is read.
 */
function parse(
  argv: string[],
):
  | { command: 'list' | 'replay'; service: string; reason?: string; eventId?: string; fromStart: boolean }
  | { refused: string }
  | { help: true } {
  if (argv.includes('--help') || argv.includes('-h') || argv[0] === 'help') return { help: true };
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { reason: { type: 'string' }, 'event-id': { type: 'string' }, 'from-beginning': { type: 'boolean' } },
    });
  } catch (err) {
    return { refused: (err as Error).message };
  }
  const [command, service, ...extra] = parsed.positionals;
  if (!service || extra.length > 0 || (command !== 'list' && command !== 'replay')) return { refused: '' };
  // An unknown name would not just list nothing: the broker would create its dlq topic.
  if (!(DEAD_LETTERING_SERVICES as readonly string[]).includes(service))
    return { refused: `no service ${service} dead-letters events` };
  const { reason, 'event-id': eventId, 'from-beginning': fromStart = false } = parsed.values;
  if (fromStart && command !== 'replay') return { refused: '--from-beginning is for replay (list reads every letter)' };
  // Unfiltered, it would send every letter kept back to its topic: poison ones come back as new letters.
  if (fromStart && reason === undefined && eventId === undefined)
    return { refused: '--from-beginning needs --reason or --event-id: it reads every letter kept' };
  if (reason === '' || eventId === '') return { refused: `--${reason === '' ? 'reason' : 'event-id'} needs a value` };
  if (reason !== undefined && !(DEAD_LETTER_REASONS as readonly string[]).includes(reason))
    return { refused: `unknown reason ${reason} (the reasons are listed below)` };
  return { command, service, reason, eventId, fromStart };
}

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

/**
 * Whether the brokers answer as Kafka: an address that takes connections but is something else
 * (a service's HTTP port, say) would have kafkajs retry for ~20 s, logging each attempt.
 */
async function speaksKafka(brokers: string[], security: KafkaSecurity): Promise<string | undefined> {
  const logger = createLogger('dlq-cli', 'silent');
  // kafkajs tries its seed brokers one per attempt: one retry more than there are brokers.
  const retries = brokers.length;
  const admin = createKafka({
    brokers,
    clientId: 'dlq-cli',
    logger,
    retries,
    requestTimeoutMs: 3000,
    security,
  }).admin();
  try {
    await admin.connect();
    await admin.disconnect();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Lists or replays a service's dead letters; replay sends each back to its original topic once. */
async function main(argv: string[]): Promise<number> {
  const args = parse(argv);
  if ('help' in args) {
    console.log(USAGE);
    return 0;
  }
  if ('refused' in args) {
    console.error(args.refused ? `${args.refused}\n${USAGE}` : USAGE);
    return 2;
  }
  const { command, service, reason, eventId, fromStart } = args;
  const selected = (l: DeadLetter) => (!reason || l.reason === reason) && (!eventId || l.eventId === eventId);
  const logger = createLogger('dlq-cli', 'warn');
  // The services' own reading of KAFKA_BROKERS (trimmed, blank as unset) and of TLS and SASL.
  const config = loadConfigFrom(
    baseConfigSchema.pick({
      KAFKA_BROKERS: true,
      KAFKA_SSL: true,
      KAFKA_SASL_MECHANISM: true,
      KAFKA_SASL_USERNAME: true,
      KAFKA_SASL_PASSWORD: true,
    }),
    process.env,
  );
  const brokers = config.KAFKA_BROKERS;
  const security = kafkaSecurity(config);
  // kafkajs would retry for ~30 s, logging each attempt, before it gave up on a wrong address.
  const open = (await Promise.all(brokers.map(async (b) => ((await reachable(b)) ? [b] : [])))).flat();
  if (open.length === 0) {
    console.error(`cannot reach Kafka at ${brokers.join(',')}: set KAFKA_BROKERS (npm start prints its broker)`);
    return 1;
  }
  // Asked of those that took a connection only: a list whose first brokers are down still works.
  const notKafka = await speaksKafka(open, security);
  if (notKafka !== undefined) {
    console.error(
      `${open.join(',')} took the connection but did not answer as Kafka (${notKafka}): set KAFKA_BROKERS (npm start prints its broker)` +
        (security.ssl || security.sasl ? ', or check KAFKA_SSL and KAFKA_SASL_* against the listener' : ''),
    );
    return 1;
  }
  // The brokers that answered: kafkajs tries its seed brokers in order, logging each one down.
  const kafka = createKafka({ brokers: open, clientId: 'dlq-cli', logger, security });
  if (command === 'list') {
    // What each line shows, not the letters (their values could be large): printed once all are read,
    // in the order they failed, oldest first, rather than partition by partition as they arrive.
    const rows: { offset: string; failedAt: string; reason: string; error: string; origin: string; eventId: string }[] =
      [];
    const n = await readDeadLetters(kafka, service, {
      onLetter: async (l) => {
        if (!selected(l)) return;
        // A letter may be here for a card number in its ce_id (CARD_NUMBER), or one quoted in its
        // error by a release before: the terminal is a log too.
        const [error, eventId] = [withoutCardNumbers(l.error), withoutCardNumbers(l.eventId)];
        const { failedAt, reason } = l;
        rows.push({ offset: `${l.partition}:${l.offset}`, failedAt, reason, error, origin: originOf(l), eventId });
      },
    });
    const position = (row: { offset: string }) => row.offset.split(':').map(Number) as [number, number];
    rows.sort((a, b) => {
      if (a.failedAt !== b.failedAt) return a.failedAt < b.failedAt ? -1 : 1;
      const [[pa, oa], [pb, ob]] = [position(a), position(b)];
      return pa - pb || oa - ob;
    });
    for (const row of rows) console.log(JSON.stringify(row));
    const of = reason || eventId ? `${rows.length} matching of ` : '';
    console.error(`${of}${n} dead letter(s) in dlq.${service}`);
    return 0;
  }
  const publisher = new Publisher(kafka);
  await publisher.connect();
  const result = await replayDeadLetters(kafka, publisher, service, selected, { fromStart });
  await publisher.disconnect();
  console.error(`replayed ${result.replayed}, skipped ${result.skipped} from dlq.${service}`);
  if (result.skipped > 0) {
    console.error(
      `the ${result.skipped} skipped are not offered to a plain replay again: \`replay ${service} --from-beginning\` with a filter reads every letter kept`,
    );
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
