'use strict';
// The targets the benchmark is held to (2-core machine; the ratios are what count). Each is judged
// from the run's own figures, so a reader sees at a glance which hold on their machine.
const TARGETS = {
  echoFraction: 0.025,
  halfSagaP50Ms: 25,
  halfSagaP99Ms: 250,
  halfAcceptP99EchoMultiple: 3,
  floorMultiple: 10,
};

/** One judged figure; met is null when the figure (or its limit) is missing. */
const judged = (name, value, target, ok) => ({
  name,
  value: value ?? null,
  target,
  met: value === null || value === undefined ? null : ok(value),
});
const atLeast = (name, value, min) => judged(name, value, `≥ ${min}`, (v) => v >= min);
const atMost = (name, value, max, target = `≤ ${max}`) => judged(name, value, target, (v) => v <= max);

/** [{ name, value, target, met }] for a summary. */
function judgeTargets(s) {
  const t = TARGETS;
  const acceptLimit = s.echoP99Ms ? Math.round(t.halfAcceptP99EchoMultiple * s.echoP99Ms * 100) / 100 : null;
  return [
    atLeast('echoFraction (max orders/s ÷ echo req/s)', s.echoFraction, t.echoFraction),
    atMost(`saga p50 at half the max (${s.halfRate ?? '–'}/s), ms`, s.halfSagaP50Ms, t.halfSagaP50Ms),
    atMost('saga p99 at half the max, ms', s.halfSagaP99Ms, t.halfSagaP99Ms),
    atMost(
      'accept p99 at half the max, ms',
      acceptLimit === null ? null : s.halfAcceptP99Ms,
      acceptLimit,
      `≤ ${t.halfAcceptP99EchoMultiple} × echo p99 = ${acceptLimit ?? '–'}`,
    ),
    atMost('floorMultiple (saga p50 ÷ critical-path floor)', s.floorMultiple, t.floorMultiple),
  ];
}

module.exports = { TARGETS, judgeTargets };
