'use strict';
// bench/results/: <timestamp>.json + latest.json, latest.md, latest.svg.
const fs = require('node:fs');
const path = require('node:path');
const { renderChart } = require('./chart');
const { STEAL_LIMIT_MS_PER_SEC } = require('./step');
const { round } = require('./stats');

const stolenSteps = (result) =>
  result.steps
    .filter((t) => (t.stealMsPerSec ?? 0) > STEAL_LIMIT_MS_PER_SEC)
    .map((t) => t.offeredRate)
    .sort((a, b) => a - b);
const fmt = (v) => (v === null || v === undefined ? '–' : String(v));
const errs = (e) =>
  Object.entries(e)
    .map(([k, v]) => `${k}: ${v}`)
    .join('; ') || '0';

/** Saga stages of the step at half the max (where the latency targets are judged) and at the max. */
function stagesLines(result, s) {
  const picked = [
    result.steps.find((t) => t.half),
    result.steps.find((t) => t.offeredRate === s.maxOrdersPerSec && t.pass && !t.half),
  ].filter((t) => t?.sagaStagesMs);
  if (!picked.length) return [];
  const pair = (x) => `${fmt(x.p50)} / ${fmt(x.p99)}`;
  const one = (t) => {
    const g = t.sagaStagesMs;
    return `at ${t.offeredRate}/s${t.half ? ' (half the max)' : ''}: POST → PENDING ${pair(g.recorded)}, → STOCK_RESERVED ${pair(g.reserved)}, → CONFIRMED ${pair(g.confirmed)}`;
  };
  return [
    `Saga stages, p50 / p99 ms from each order's history (checkout's clock; the last stage is the payment leg, which began when payment got stock.reserved): ${picked.map(one).join('; ')}.`,
    '',
  ];
}

function markdown(result) {
  const s = result.summary;
  const c = result.ceilings;
  const stolen = stolenSteps(result);
  const lines = [
    `# Benchmark ${result.startedAt}`,
    '',
    `${s.machine.cpuModel}, ${s.machine.cores} cores, Node ${s.machine.node}; ${result.freshSystemPerStep ? 'a fresh started system for each step' : `${result.system.mode} system`}.`,
    '',
    '| offered /s | sent /s | completed /s | accept p50 / p95 / p99 / max ms | saga p50 / p95 / p99 / max ms | CPU ms/order (net of idle) | other load ms/s (steal) | errors | pass |',
    '|---:|---:|---:|---|---|---:|---:|---|:---:|',
    ...[...result.steps]
      .sort((a, b) => a.offeredRate - b.offeredRate)
      .map(
        (t) =>
          `| ${t.offeredRate}${t.half ? ' (half the max)' : t.label.startsWith('search') ? ' (search)' : ''}${t.repeatOf ? ' (repeat)' : ''} | ${t.sendRate} | ${t.completedPerSec} | ${t.acceptMs.p50} / ${t.acceptMs.p95} / ${t.acceptMs.p99} / ${t.acceptMs.max} | ${fmt(t.sagaMs.p50)} / ${fmt(t.sagaMs.p95)} / ${fmt(t.sagaMs.p99)} / ${fmt(t.sagaMs.max)} | ${fmt(t.cpuMsPerOrder)} (${fmt(t.cpuMsPerOrderNet)}) | ${fmt(t.foreignCpuMsPerSec)} (${fmt(t.stealMsPerSec)}) | ${errs(t.errors)} | ${t.pass ? '✓' : '✗'} |`,
      ),
    '',
    `CPU ms/order: all service processes (utime+stime) from step start until they fell quiet, over confirmed orders; net subtracts their idle burn (${fmt(result.idleServiceCpuMsPerSec)} ms/s${result.freshSystemPerStep ? ' for the first system; each step uses its own' : ''}: consumers' fetch loops and timers). Other load: CPU used on the machine by processes that are not the bench's, and in parentheses the part of it that is hypervisor steal, time other guests of the host took while this VM wanted to run (noise either way).`,
    '',
    ...stagesLines(result, s),
    `**Max sustained: ${s.maxOrdersPerSec} orders/s** (saga p99 < ${result.config.sloP99Ms} ms, no errors): saga p50 ${fmt(s.sagaP50Ms)} ms, p99 ${fmt(s.sagaP99Ms)} ms, accept p99 ${fmt(s.acceptP99Ms)} ms, ${fmt(s.cpuMsPerOrder)} CPU ms per order.`,
    '',
    ...(c
      ? [
          '| part ceiling | value |',
          '|---|---|',
          `| express JSON echo, ${c.echo.connections} connections | ${c.echo.rps} req/s, p50 ${c.echo.p50Ms} ms, p99 ${c.echo.p99Ms} ms${c.echoAfter ? `; after the steps ${c.echoAfter.rps} req/s` : ''} |`,
          `| kafkajs produce→consume (mock${c.kafka.front ? ' + fetch-on-arrival front' : ''}, maxWait ${c.kafka.maxWaitMs} ms) | p50 ${c.kafka.p50Ms} ms, p99 ${c.kafka.p99Ms} ms |`,
          `| Redis EVALSHA 3-product reservation, ${c.redis.callers} callers | ${c.redis.opsPerSec} ops/s |`,
          '',
        ]
      : ['Part ceilings: not measured (BENCH_CEILINGS=0).', '']),
    ...(s.echoRps && s.echoRpsAfter && Math.abs(s.echoRpsAfter / s.echoRps - 1) > 0.15
      ? [
          `**The host's speed drifted during this run:** the echo measured ${s.echoRps} req/s before the steps and ${s.echoRpsAfter} after, so ratios against it are uncertain by as much.`,
          '',
        ]
      : []),
    ...(result.repeatedSteps?.length
      ? [
          `Run once more because they failed while the hypervisor took more than ${STEAL_LIMIT_MS_PER_SEC} ms/s (the table shows the repeat): ${result.repeatedSteps
            .map((t) => `${t.offeredRate}/s (saga p99 ${fmt(t.sagaMs.p99)} ms, steal ${fmt(t.stealMsPerSec)} ms/s)`)
            .join(', ')}.`,
          '',
        ]
      : []),
    ...(stolen.length
      ? [
          `**The hypervisor took CPU from this VM in the ${stolen.length === 1 ? 'step' : 'steps'} at ${stolen.join(', ')} orders/s** (steal above ${STEAL_LIMIT_MS_PER_SEC} ms/s): the host was shared, so ${stolen.length === 1 ? 'it' : 'they'} ran on less than the machine's cores.`,
          '',
        ]
      : []),
    `echoFraction = ${s.maxOrdersPerSec} / ${s.echoRps} = **${fmt(s.echoFraction)}**; floorMultiple = saga p50 / (3 × Kafka RTT p50 + 2 × echo p50) = ${fmt(s.sagaP50Ms)} / ${fmt(s.floorMs)} = **${fmt(s.floorMultiple)}**.`,
    '',
    '| target | this run | goal | met |',
    '|---|---:|---|:---:|',
    ...(s.targets ?? []).map(
      (t) => `| ${t.name} | ${fmt(t.value)} | ${t.target} | ${t.met === null ? '–' : t.met ? '✓' : '✗'} |`,
    ),
    '',
  ];
  const at = result.steps.find((t) => t.offeredRate === s.maxOrdersPerSec && t.pass) ?? result.steps[0];
  if (at && Object.keys(at.cpuMsPerOrderByProcess).length) {
    const calls = at.syscallsPerOrderByProcess ?? {};
    const waits = at.runQueueWaitMsPerOrderByProcess ?? {};
    lines.push(
      `CPU ms, time waiting for a core and system calls per order by process at ${at.offeredRate}/s (waiting: the main thread runnable but not running, /proc/<pid>/schedstat; read / write calls from /proc/<pid>/io; – for a process that sends and receives with sendmsg/recvmsg, which it does not count, as librdkafka's mock does):`,
      '',
      '| process | CPU ms/order | waiting for a core ms/order | system calls/order (read / write) |',
      '|---|---:|---:|---:|',
    );
    for (const [k, v] of Object.entries(at.cpuMsPerOrderByProcess).sort((a, b) => b[1] - a[1]))
      lines.push(
        `| ${k} | ${v} | ${waits[k] ?? '–'} | ${calls[k]?.reads || calls[k]?.writes ? `${calls[k].reads} / ${calls[k].writes}` : '–'} |`,
      );
    const sum = (f) =>
      round(
        Object.values(calls).reduce((a, c) => a + c[f], 0),
        1,
      );
    const waited = round(
      Object.values(waits).reduce((a, b) => a + b, 0),
      2,
    );
    if (Object.keys(calls).length || Object.keys(waits).length)
      lines.push(
        `| all | | ${Object.keys(waits).length ? waited : '–'} | ${Object.keys(calls).length ? `${sum('reads')} / ${sum('writes')}` : '–'} |`,
      );
    lines.push('');
  }
  const inv = result.invariants;
  lines.push(
    inv
      ? `Invariants: ${inv.ok ? 'all hold' : inv.problems.join('; ')} (${inv.ordersChecked} orders${inv.systems > 1 ? ` on ${inv.systems} systems` : ''}, ${inv.products} products, ${inv.reservedLeft} units still reserved).`
      : 'Invariants: not checked.',
    '',
  );
  return lines.join('\n');
}

function writeResults(dir, result) {
  fs.mkdirSync(dir, { recursive: true });
  const stamp = result.startedAt.replace(/[:.]/g, '-');
  const json = `${JSON.stringify(result, null, 2)}\n`;
  const files = {
    json: path.join(dir, `bench-${stamp}.json`),
    latest: path.join(dir, 'latest.json'),
    md: path.join(dir, 'latest.md'),
    svg: path.join(dir, 'latest.svg'),
  };
  fs.writeFileSync(files.json, json);
  fs.writeFileSync(files.latest, json);
  fs.writeFileSync(files.md, markdown(result));
  if (result.steps.length)
    fs.writeFileSync(
      files.svg,
      renderChart(result.steps, {
        sloMs: result.config.sloP99Ms,
        title: `Checkout saga latency vs offered rate (${result.startedAt.slice(0, 16)})`,
      }),
    );
  return files;
}

module.exports = { writeResults, markdown };
