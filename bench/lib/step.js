'use strict';
// One step of the bench: a fixed arrival rate for a fixed time, then every order to its end.
const { request } = require('./http');
const { runOpenLoop } = require('./open-loop');
const { summarize, tally, round } = require('./stats');
const { waitQuiet, readOrders } = require('./drain');
const cpu = require('./cpu');
const { progress } = require('./progress');

const SLO_P99_MS = 250;
/**
 * Hypervisor steal (CPU ms/s over all cores) above which a step ran on a visibly shared host: the
 * report names such steps, and a step that failed with it is run once more.
 */
const STEAL_LIMIT_MS_PER_SEC = 100;
const epochNow = () => performance.timeOrigin + performance.now();

async function runStep({
  system,
  rate,
  durationS,
  makeBody,
  agent,
  seqStart,
  idleMsPerSec,
  label,
  drainTimeoutS = 180,
}) {
  const pids = { ...system.servicePids };
  // The services and the infrastructure they run on, whose CPU, system calls and waits are read.
  const watched = { ...pids, ...system.infraPids };
  const orders = [];
  const errors = {};
  let inFlight = 0;
  let accepted = 0;
  const cpuBefore = cpu.snapshot(watched);
  const callsBefore = cpu.syscallSnapshot(watched);
  const waitBefore = cpu.snapshot(watched, cpu.runQueueWaitMsOf);
  const machineBefore = cpu.machineTimes();
  const selfBefore = cpu.selfMs();
  const wallBefore = performance.now();

  const fire = (i) => {
    const body = makeBody(seqStart + i);
    const order = { sentAt: epochNow(), t: performance.now() };
    orders.push(order);
    inFlight++;
    return request(`${system.urls.checkout}/checkout`, { method: 'POST', payload: body, agent }).then((res) => {
      inFlight--;
      order.acceptMs = performance.now() - order.t;
      if (res.status === 202) {
        accepted++;
        order.orderId = res.json().orderId;
      } else {
        let code = res.error ?? '';
        try {
          code = res.json()?.error ?? code;
        } catch {
          // not JSON
        }
        tally(errors, `HTTP ${res.status || 'ERR'}${code ? ` ${code}` : ''}`);
      }
    });
  };
  const requests = [];
  const sched = await runOpenLoop({
    rate,
    durationMs: durationS * 1000,
    fire: (i) => requests.push(fire(i)),
    onTick: ({ sent, total, elapsedMs }) =>
      progress(
        `[bench] ${label} ${rate}/s  ${(elapsedMs / 1000).toFixed(1)}/${durationS} s  sent ${sent}/${total}  accepted ${accepted}  in flight ${inFlight}  errors ${Object.values(errors).reduce((a, b) => a + b, 0)}`,
      ),
  });
  await Promise.all(requests);

  const deadline = Date.now() + drainTimeoutS * 1000;
  await waitQuiet(pids, idleMsPerSec, deadline, (ms) =>
    progress(`[bench] ${label} ${rate}/s  draining: services busy (${Math.round(ms)} CPU ms/s)`),
  );
  const cpuAfter = cpu.snapshot(watched);
  const callsAfter = cpu.syscallSnapshot(watched);
  const waitAfter = cpu.snapshot(watched, cpu.runQueueWaitMsOf);
  const machineAfter = cpu.machineTimes();
  const machineUsed = machineBefore && machineAfter ? machineAfter.busy - machineBefore.busy : null;
  const stolen = machineBefore && machineAfter ? machineAfter.steal - machineBefore.steal : null;
  const selfUsed = cpu.selfMs() - selfBefore;
  const wallS = (performance.now() - wallBefore) / 1000;
  const notTerminal = await readOrders(system.urls.checkout, orders, agent, deadline, (n) =>
    progress(`[bench] ${label} ${rate}/s  reading orders: ${n} not finished`),
  );

  const sagaMs = [];
  const confirmedOrders = [];
  let confirmed = 0;
  let lastConfirmedAt = 0;
  for (const o of orders) {
    if (!o.orderId) continue;
    if (!o.view) {
      tally(errors, 'NOT_TERMINAL');
      continue;
    }
    if (o.view.status === 'FAILED') {
      tally(errors, `ORDER_FAILED ${o.view.code ?? o.view.reason ?? ''}`.trim());
      continue;
    }
    const at = o.view.history?.find((h) => h.status === 'CONFIRMED')?.at;
    const confirmedAt = Date.parse(at);
    confirmed++;
    lastConfirmedAt = Math.max(lastConfirmedAt, confirmedAt);
    sagaMs.push(Math.max(0, confirmedAt - o.sentAt));
    confirmedOrders.push(o);
  }
  const firstSent = orders[0]?.sentAt ?? 0;
  const used = cpu.diff(cpuBefore, cpuAfter);
  const serviceCpu = Object.keys(pids).reduce((a, k) => a + (used[k] ?? 0), 0);
  const oursCpu = Object.values(used).reduce((a, b) => a + b, 0) + selfUsed;
  const errorCount = Object.values(errors).reduce((a, b) => a + b, 0);
  const saga = summarize(sagaMs);
  const result = {
    label,
    offeredRate: rate,
    durationS,
    sent: orders.length,
    sendRate: round((orders.length * 1000) / sched.elapsedMs),
    generatorLagMaxMs: round(sched.lateMaxMs),
    accepted,
    confirmed,
    completedPerSec:
      confirmed && lastConfirmedAt > firstSent ? round((confirmed * 1000) / (lastConfirmedAt - firstSent)) : 0,
    acceptMs: summarize(orders.filter((o) => o.acceptMs !== undefined).map((o) => o.acceptMs)),
    sagaMs: saga,
    sagaStagesMs: sagaStages(confirmedOrders),
    errors,
    errorCount,
    notTerminal,
    cpuMsPerOrder: Object.keys(pids).length && confirmed ? round(serviceCpu / confirmed, 2) : null,
    // What the services would use per order without their idle polling (consumers' fetch loops).
    cpuMsPerOrderNet:
      Object.keys(pids).length && confirmed ? round((serviceCpu - idleMsPerSec * wallS) / confirmed, 2) : null,
    idleCpuShare: Object.keys(pids).length ? round((idleMsPerSec * wallS) / serviceCpu, 2) : null,
    generatorCpuMsPerOrder: orders.length ? round(selfUsed / orders.length, 2) : null,
    // CPU of processes that are not ours (other work on the machine): a noisy-neighbour warning.
    foreignCpuMsPerSec:
      machineUsed !== null && Object.keys(pids).length ? round((machineUsed - oursCpu) / wallS) : null,
    // The part of it the hypervisor took for other guests (steal): the host was oversubscribed.
    stealMsPerSec: stolen === null ? null : round(stolen / wallS),
    cpuMsPerOrderByProcess: confirmed
      ? Object.fromEntries(Object.entries(used).map(([k, v]) => [k, round(v / confirmed, 2)]))
      : {},
    // Read and write system calls per order (/proc/<pid>/io), idle ones included: what crossing
    // between processes costs an order, which batching shares out as the rate rises.
    syscallsPerOrderByProcess: confirmed
      ? Object.fromEntries(
          Object.entries(cpu.syscallDiff(callsBefore, callsAfter)).map(([k, v]) => [
            k,
            { reads: round(v.reads / confirmed, 1), writes: round(v.writes / confirmed, 1) },
          ]),
        )
      : {},
    // Main-thread time spent runnable but waiting for a core, per order (/proc/<pid>/schedstat).
    runQueueWaitMsPerOrderByProcess: confirmed
      ? Object.fromEntries(
          Object.entries(cpu.diff(waitBefore, waitAfter)).map(([k, v]) => [k, round(v / confirmed, 2)]),
        )
      : {},
    orderIds: orders.filter((o) => o.orderId).map((o) => ({ orderId: o.orderId, status: o.view?.status })),
  };
  result.pass = errorCount === 0 && saga.n > 0 && saga.p99 < SLO_P99_MS;
  return result;
}

/**
 * Where a confirmed order's saga time went, from the history checkout stamped (its clock, ms):
 * POST sent → PENDING stamped (validated; stamped just before the creating write), PENDING → STOCK_RESERVED
 * recorded (order.created through inventory and back), STOCK_RESERVED → CONFIRMED recorded (the
 * payment leg, which began when payment got stock.reserved, as checkout did). Orders whose
 * payment.authorized overtook stock.reserved have no STOCK_RESERVED entry and count only in the first.
 */
function sagaStages(orders) {
  const recorded = [];
  const reserved = [];
  const confirmed = [];
  for (const { sentAt, view } of orders) {
    const at = Object.fromEntries((view.history ?? []).map((h) => [h.status, Date.parse(h.at)]));
    if (Number.isFinite(at.PENDING)) recorded.push(Math.max(0, at.PENDING - sentAt));
    if (Number.isFinite(at.PENDING) && Number.isFinite(at.STOCK_RESERVED) && Number.isFinite(at.CONFIRMED)) {
      reserved.push(at.STOCK_RESERVED - at.PENDING);
      confirmed.push(at.CONFIRMED - at.STOCK_RESERVED);
    }
  }
  return { recorded: summarize(recorded), reserved: summarize(reserved), confirmed: summarize(confirmed) };
}

module.exports = { runStep, sagaStages, SLO_P99_MS, STEAL_LIMIT_MS_PER_SEC };
