'use strict';
// Percentiles over raw samples (nearest-rank): the bench keeps every sample, runs are small.

function percentile(sorted, p) {
  if (sorted.length === 0) return null;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1];
}

const round = (x, digits = 1) => (x === null || x === undefined ? null : Number(x.toFixed(digits)));

/** { n, p50, p95, p99, max } in the samples' unit, rounded to 0.1. */
function summarize(samples, digits = 1) {
  const sorted = Float64Array.from(samples).sort();
  return {
    n: sorted.length,
    p50: round(percentile(sorted, 50), digits),
    p95: round(percentile(sorted, 95), digits),
    p99: round(percentile(sorted, 99), digits),
    max: round(sorted.length ? sorted[sorted.length - 1] : null, digits),
  };
}

/** Counts by key, e.g. errors by code. */
function tally(into, key, n = 1) {
  into[key] = (into[key] ?? 0) + n;
  return into;
}

module.exports = { percentile, summarize, round, tally };
