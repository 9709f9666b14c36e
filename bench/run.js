'use strict';
// `npm run bench`: the parts' ceilings, then the saga at fixed arrival rates, a search for the
// highest rate it sustains, the invariants, and a report in bench/results/. See
// docs/architecture/benchmark.md for what is measured and how to read it.
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { measureCeilings } = require('./lib/ceilings');
const { openSystem, toggleProfiler, RESULTS } = require('./lib/system');
const { loadCatalog, seedStock, stockTotals, bodyMaker } = require('./lib/orders');
const { runStep, SLO_P99_MS } = require('./lib/step');
const { idleRate, readOrders } = require('./lib/drain');
const { checkInvariants } = require('./lib/invariants');
const { summarizeProfile } = require('./lib/profile-summary');
const { writeResults, markdown } = require('./lib/report');
const { agent } = require('./lib/http');
const { round } = require('./lib/stats');
const { note, progress } = require('./lib/progress');
const { judgeTargets } = require('./lib/targets');

const env = process.env;
const num = (name, def) => (env[name] === undefined || env[name] === '' ? def : Number(env[name]));
const config = {
  rates: (env.BENCH_RATES ?? '50,100,200,400,800')
    .split(',')
    .map(Number)
    .filter((r) => r > 0),
  durationS: num('BENCH_DURATION_S', 20),
  searchSteps: num('BENCH_SEARCH_STEPS', 3),
  searchDurationS: num('BENCH_SEARCH_DURATION_S', 10),
  runAllRates: env.BENCH_RUN_ALL === '1',
  halfStep: env.BENCH_HALF_STEP !== '0',
  warmupS: num('BENCH_WARMUP_S', 20),
  warmupRate: num('BENCH_WARMUP_RATE', 40),
  maxSockets: num('BENCH_MAX_SOCKETS', 1024),
  ceilings: env.BENCH_CEILINGS !== '0',
  appendonly: env.BENCH_APPENDONLY !== '0',
  profile: env.BENCH_PROFILE || undefined,
  sloP99Ms: SLO_P99_MS,
};

async function sagaSteps(system, result) {
  const catalog = await loadCatalog(system.urls);
  note(`[bench] seeding ample stock for ${catalog.length} products`);
  await seedStock(system.urls, system.adminToken, catalog);
  const totals = await stockTotals(system.urls);
  const makeBody = bodyMaker(catalog);
  const http = agent(config.maxSockets);
  let seq = 0;
  const pids = { ...system.servicePids, ...system.infraPids };
  const measured = Object.keys(system.servicePids).length > 0;
  const idleOf = async () => {
    const all = measured ? await idleRate(pids, 3000) : { total: 0, byProcess: {} };
    return { all, services: Object.keys(system.servicePids).reduce((a, k) => a + (all.byProcess[k] ?? 0), 0) };
  };
  // A first look for the warm-up's drain; the figure reported is taken once the warm-up has let the
  // JIT compile the hot paths (fresh processes spend seconds of CPU optimising code).
  let idle = (await idleOf()).services;

  const step = async (rate, durationS, label, verdict = true) => {
    const r = await runStep({
      system,
      rate,
      durationS,
      makeBody,
      agent: http,
      seqStart: seq,
      idleMsPerSec: idle,
      label,
    });
    seq += r.sent;
    note(
      `[bench] ${label} ${rate}/s: completed ${r.completedPerSec}/s, accept p99 ${r.acceptMs.p99} ms, saga p50 ${r.sagaMs.p50} p99 ${r.sagaMs.p99} ms, ` +
        `${r.cpuMsPerOrder ?? '–'} CPU ms/order (${r.cpuMsPerOrderNet ?? '–'} net of idle), other load ${r.foreignCpuMsPerSec ?? '–'} ms/s, errors ${r.errorCount}${verdict ? ` → ${r.pass ? 'pass' : 'FAIL'}` : ''}`,
    );
    return r;
  };

  const warm = await step(config.warmupRate, config.warmupS, 'warm-up', false);
  if (warm.confirmed === 0)
    throw new Error(`no warm-up order was confirmed (${JSON.stringify(warm.errors)}); logs: ${system.logDir ?? 'n/a'}`);
  const settled = await idleOf();
  idle = settled.services;
  result.idleServiceCpuMsPerSec = round(idle);
  result.idleCpuMsPerSecByProcess = settled.all.byProcess;
  if (idle)
    note(
      `[bench] idle after the warm-up: the services burn ${Math.round(idle)} CPU ms/s doing nothing (${Object.entries(
        settled.all.byProcess,
      )
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')})`,
    );
  toggleProfiler(system, config.profile);

  const steps = [];
  let lo = 0;
  let hi;
  for (const rate of config.rates) {
    const r = await step(rate, config.durationS, `rate ${steps.length + 1}/${config.rates.length}`);
    steps.push(r);
    if (r.pass && hi === undefined) lo = Math.max(lo, rate);
    if (!r.pass && hi === undefined) hi = rate;
    if (hi !== undefined && !config.runAllRates) break;
  }
  for (let i = 0; hi !== undefined && i < config.searchSteps; i++) {
    const mid = Math.round((lo + hi) / 2);
    if (hi - lo <= Math.max(10, lo * 0.05) || mid === lo || mid === hi) break;
    const r = await step(mid, config.searchDurationS, `search ${i + 1}/${config.searchSteps}`);
    steps.push(r);
    if (r.pass) lo = mid;
    else hi = mid;
  }
  // The latency targets are judged at half the maximum: a node's everyday load, not its limit.
  const half = Math.round(lo / 2);
  if (config.halfStep && half > 0) {
    const r = await step(half, config.durationS, 'half of the max');
    r.half = true;
    steps.push(r);
  }
  toggleProfiler(system, config.profile);
  result.steps = steps;
  result.maxOrdersPerSec = lo;
  result.maxIsLowerBound = hi === undefined;

  // Orders not finished when their step was read get one more look before the invariants.
  const all = [warm, ...steps].flatMap((s) => s.orderIds);
  const late = all.filter((o) => !o.status).map((o) => ({ orderId: o.orderId }));
  if (late.length) {
    await readOrders(system.urls.checkout, late, http, Date.now() + 30_000);
    const status = new Map(late.map((o) => [o.orderId, o.view?.status]));
    for (const o of all) if (!o.status) o.status = status.get(o.orderId);
  }
  note(`[bench] checking invariants over ${all.length} orders`);
  result.invariants = await checkInvariants({
    urls: system.urls,
    totalsBefore: totals,
    orders: all,
    agent: http,
    onProgress: progress,
  });
  note(`[bench] invariants: ${result.invariants.ok ? 'all hold' : result.invariants.problems.join('; ')}`);
  http.destroy();
}

async function collectProfiles(result) {
  if (!config.profile) return;
  const dir = path.join(RESULTS, 'profiles');
  await new Promise((r) => setTimeout(r, 2000)); // the services write their profile asynchronously
  result.profiles = {};
  for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    const file = path.join(dir, f);
    if (!f.endsWith('.cpuprofile') || fs.statSync(file).mtimeMs < Date.parse(result.startedAt)) continue;
    result.profiles[f] = {
      file: path.relative(process.cwd(), file),
      ...summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8'))),
    };
  }
}

function summarize(result) {
  const { echo, kafka } = result.ceilings ?? {};
  const at = result.steps.find((t) => t.pass && t.offeredRate === result.maxOrdersPerSec) ?? result.steps[0];
  const floorMs = echo && kafka ? round(3 * kafka.p50Ms + 2 * echo.p50Ms, 2) : null;
  const half = result.steps.find((t) => t.half);
  const cpus = os.cpus();
  const summary = {
    maxOrdersPerSec: result.maxOrdersPerSec,
    maxIsLowerBound: result.maxIsLowerBound,
    atRate: at?.offeredRate ?? null,
    sagaP50Ms: at?.sagaMs.p50 ?? null,
    sagaP99Ms: at?.sagaMs.p99 ?? null,
    acceptP99Ms: at?.acceptMs.p99 ?? null,
    cpuMsPerOrder: at?.cpuMsPerOrder ?? null,
    cpuMsPerOrderNet: at?.cpuMsPerOrderNet ?? null,
    idleServiceCpuMsPerSec: result.idleServiceCpuMsPerSec ?? null,
    halfRate: half?.offeredRate ?? null,
    halfSagaP50Ms: half?.sagaMs.p50 ?? null,
    halfSagaP99Ms: half?.sagaMs.p99 ?? null,
    halfAcceptP99Ms: half?.acceptMs.p99 ?? null,
    echoRps: echo?.rps ?? null,
    echoP50Ms: echo?.p50Ms ?? null,
    echoP99Ms: echo?.p99Ms ?? null,
    kafkaRttP50Ms: kafka?.p50Ms ?? null,
    redisReserveOpsPerSec: result.ceilings?.redis.opsPerSec ?? null,
    echoFraction: echo ? round(result.maxOrdersPerSec / echo.rps, 3) : null,
    floorMs,
    floorMultiple: floorMs && at?.sagaMs.p50 ? round(at.sagaMs.p50 / floorMs, 2) : null,
    invariantsOk: result.invariants?.ok ?? null,
    machine: {
      cpuModel: cpus[0]?.model ?? 'unknown',
      cores: cpus.length,
      node: process.version,
      os: `${os.type()} ${os.release()}`,
    },
  };
  summary.targets = judgeTargets(summary);
  return summary;
}

async function main() {
  const result = { startedAt: new Date().toISOString(), config, steps: [] };
  note(
    `[bench] rates ${config.rates.join(', ')} orders/s, ${config.durationS} s each; target saga p99 < ${config.sloP99Ms} ms`,
  );
  if (config.ceilings)
    result.ceilings = await measureCeilings({ payload: bodyMaker([{ productId: 'sku-001', price: 2499 }])(0), note });

  note(
    env.BENCH_URL
      ? `[bench] using the running system at ${env.BENCH_URL}`
      : '[bench] starting the system (fresh Kafka mock, redis-server, every service)',
  );
  const system = await openSystem({ env, profile: config.profile, appendonly: config.appendonly });
  result.system = { mode: system.mode, urls: system.urls, logDir: system.logDir };
  let stopping = false;
  const onSignal = async () => {
    if (stopping) process.exit(130);
    stopping = true;
    note('\n[bench] interrupted: stopping the system');
    await system.stop();
    process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    await sagaSteps(system, result);
  } finally {
    await system.stop();
  }
  await collectProfiles(result);
  result.finishedAt = new Date().toISOString();
  result.summary = summarize(result);
  for (const s of result.steps) delete s.orderIds;
  const files = writeResults(RESULTS, result);
  process.stdout.write(`${markdown(result)}\n`);
  for (const [name, p] of Object.entries(result.profiles ?? {})) {
    process.stdout.write(
      `\nCPU profile ${name} (${p.busyMs} ms busy): ${p.byPlace
        .slice(0, 6)
        .map((x) => `${x.name} ${x.pct}%`)
        .join(', ')}\n`,
    );
  }
  note(
    `[bench] wrote ${Object.values(files)
      .map((f) => path.relative(process.cwd(), f))
      .join(', ')}`,
  );
  if (result.invariants && !result.invariants.ok) process.exitCode = 1;
}

main().catch((err) => {
  note(`[bench] ${err.stack ?? err}`);
  process.exit(1);
});
