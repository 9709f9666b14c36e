'use strict';
// `npm start`: local infrastructure where none is configured, every service, demo stock, URLs;
// Ctrl-C stops everything. Env is passed through, so KAFKA_BROKERS / REDIS_URL select existing infra.
const path = require('node:path');
const { onOrphaned, startInfra } = require('./lib/infra');
const { SERVICES, startServices, startEnv, refuseTakenPorts, getJson, ROOT } = require('./lib/services');
const { supervise } = require('./lib/supervise');
// Built by setup (prestart) before this runs; a broken build fails here, before anything starts.
const { ADMIN_TOKEN_MIN_LENGTH, adminTokenTooShort } = require('../libs/chassis/dist/config');

/**
 * Stopping, whatever asks for it (Ctrl-C, SIGTERM, the terminal closing, npm going away) and
 * whenever (during start-up too): services first, so they drain against live Kafka and Redis, then
 * the infrastructure, which runs in process groups of its own so a Ctrl-C does not reach it first.
 */
let infraStarting;
let servicesStarting;
let stopping = false;
async function stop(code = 0) {
  if (stopping) return;
  stopping = true;
  console.log('\n[start] stopping services…');
  const system = await servicesStarting?.catch(() => undefined);
  await system?.stopAll();
  const infra = await infraStarting?.catch(() => undefined);
  await infra?.stop();
  console.log('[start] stopped');
  process.exit(code);
}
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => void stop());
// npm runs this through `sh -c`, which dies on SIGTERM without passing it on: left an orphan,
// this process would keep the whole system running. Under npm, its parent changing means it was left.
if (process.env.npm_lifecycle_event) onOrphaned(() => void stop(), 1000);

async function main() {
  const began = Date.now();
  // Before starting anything: a second `npm start` is refused at once, with nothing to undo.
  try {
    await refuseTakenPorts();
  } catch (err) {
    console.error(`[start] ${err.message}`);
    process.exit(1);
  }
  infraStarting = startInfra({ env: process.env, appendonly: true, ownGroup: true });
  const infra = await infraStarting;
  // Stopped while the infrastructure started: stop() stops it; starting services now would leave
  // them running with nobody to stop them.
  if (stopping) return;
  const env = startEnv(process.env, infra);
  const logDir = path.join(ROOT, '.run', 'logs');
  servicesStarting = startServices({ env, logDir });
  let system;
  try {
    system = await servicesStarting;
  } catch (err) {
    // Stopped while the services started: the Ctrl-C reached them too, and their exits are not a crash.
    if (stopping) return;
    console.error(`[start] ${err.message}\n[start] logs are in ${path.relative(process.cwd(), logDir)}/`);
    return stop(1);
  }
  if (stopping) return;
  supervise(system, { isStopping: () => stopping });
  // inventory-service seeds demo stock into an empty store and the cache follows its events.
  const deadline = Date.now() + 30_000;
  while ((await getJson(`${system.urls['inventory-cache-service']}/stock/sku-001`)).status !== 200) {
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  // 503 while the demo stock is not seeded yet (the cache did not answer within the 30 s).
  const listed = await getJson(`${system.urls['inventory-service']}/inventory`);
  const stock = listed.status === 200 ? JSON.parse(listed.body) : { items: [] };

  const pad = Math.max(...SERVICES.map((s) => s.name.length));
  console.log(
    // The install and build before (npm's prestart) are not counted: ~45 s on a fresh clone, seconds after.
    `\nCheckout saga is up, ${((Date.now() - began) / 1000).toFixed(1)} s after the install and build (${stock.items.length} products in stock).\n`,
  );
  for (const s of SERVICES) console.log(`  ${s.name.padEnd(pad)}  ${system.urls[s.name]}`);
  console.log(
    `\n  Kafka    ${infra.kafkaBrokers}\n  Redis    ${infra.redisUrl}\n  Logs     ${path.relative(process.cwd(), logDir)}/`,
  );
  // A blank ADMIN_TOKEN counts as unset, as in the services' config; a short one is only warned
  // about here (the services log it too), and refused where NODE_ENV=production (the images).
  const token = process.env.ADMIN_TOKEN?.trim() || undefined;
  const short = adminTokenTooShort(token)
    ? ` (it is shorter than ${ADMIN_TOKEN_MIN_LENGTH} characters: fine here, refused by the images)`
    : '';
  console.log(
    token
      ? `  Admin    on${short}: send Authorization: Bearer $ADMIN_TOKEN to PUT /inventory/{productId}, checkout's GET /admin/orders/open and the gateway's POST /_control`
      : `  Admin    off: PUT /inventory/{productId}, checkout's GET /admin/orders/open and the gateway's POST /_control answer 403 (export ADMIN_TOKEN=$(openssl rand -hex 16), then npm start, to use them)`,
  );
  console.log(`
Place an order:
  curl -s -X POST ${system.urls['checkout-service']}/checkout -H 'content-type: application/json' \\
    -d '{"cart":{"items":[{"productId":"sku-001","quantity":1,"price":2499}]},"customer":{"id":"c1","name":"Ada","email":"ada@example.com"},"payment":{"token":"tok_visa"}}'
Follow it:   curl -s ${system.urls['checkout-service']}/orders/<orderId>
Its events:  curl -s ${system.urls['audit-service']}/audit/orders/<orderId>
Dead letters: KAFKA_BROKERS=${infra.kafkaBrokers} npm run -s dlq -- list <service>

Ctrl-C stops everything.`);
}

main().catch((err) => {
  console.error(err);
  return stop(1);
});
