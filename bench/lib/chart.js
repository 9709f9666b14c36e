'use strict';
// Latency percentiles against offered rate as a hand-written SVG (log-log axes, SLO line).

const W = 760;
const H = 440;
const M = { left: 70, right: 170, top: 40, bottom: 60 };
const SERIES = [
  { key: ['sagaMs', 'p50'], name: 'saga p50', color: '#1f77b4', dash: '' },
  { key: ['sagaMs', 'p95'], name: 'saga p95', color: '#2ca02c', dash: '' },
  { key: ['sagaMs', 'p99'], name: 'saga p99', color: '#d62728', dash: '' },
  { key: ['acceptMs', 'p50'], name: 'accept p50', color: '#1f77b4', dash: '5,4' },
  { key: ['acceptMs', 'p99'], name: 'accept p99', color: '#d62728', dash: '5,4' },
];
const esc = (s) => String(s).replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]);

function logScale(min, max, from, to) {
  const a = Math.log10(min);
  const b = Math.log10(max);
  return (v) => from + ((Math.log10(Math.max(v, min)) - a) / (b - a)) * (to - from);
}

function decades(min, max) {
  const ticks = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++)
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** e;
      if (v >= min && v <= max) ticks.push(v);
    }
  return ticks;
}

function renderChart(steps, { sloMs, title }) {
  const points = [...steps].sort((a, b) => a.offeredRate - b.offeredRate);
  const values = points.flatMap((s) => SERIES.map((x) => s[x.key[0]][x.key[1]])).filter((v) => v > 0);
  const rates = points.map((s) => s.offeredRate);
  const xMin = Math.min(...rates) / 1.3;
  const xMax = Math.max(...rates) * 1.3;
  const yMin = Math.max(0.5, Math.min(...values, sloMs) / 1.5);
  const yMax = Math.max(...values, sloMs) * 1.5;
  const x = logScale(xMin, xMax, M.left, W - M.right);
  const y = logScale(yMin, yMax, H - M.bottom, M.top);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${M.left}" y="22" font-size="14" font-weight="bold">${esc(title)}</text>`,
  ];
  for (const t of decades(yMin, yMax)) {
    out.push(
      `<line x1="${M.left}" x2="${W - M.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#eee"/>`,
    );
    out.push(`<text x="${M.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${t}</text>`);
  }
  for (const r of rates) {
    out.push(
      `<line x1="${x(r).toFixed(1)}" x2="${x(r).toFixed(1)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#f3f3f3"/>`,
    );
    out.push(`<text x="${x(r).toFixed(1)}" y="${H - M.bottom + 16}" text-anchor="middle">${r}</text>`);
  }
  out.push(
    `<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#999"/>`,
  );
  out.push(
    `<text x="${(M.left + W - M.right) / 2}" y="${H - 18}" text-anchor="middle">offered rate (orders/s, log)</text>`,
  );
  out.push(
    `<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">latency (ms, log)</text>`,
  );
  out.push(
    `<line x1="${M.left}" x2="${W - M.right}" y1="${y(sloMs).toFixed(1)}" y2="${y(sloMs).toFixed(1)}" stroke="#ff7f0e" stroke-dasharray="2,3"/>`,
  );
  out.push(
    `<text x="${W - M.right - 4}" y="${(y(sloMs) - 4).toFixed(1)}" text-anchor="end" fill="#ff7f0e">saga p99 target ${sloMs} ms</text>`,
  );
  SERIES.forEach((s, i) => {
    const pts = points
      .filter((p) => p[s.key[0]][s.key[1]] > 0)
      .map((p) => `${x(p.offeredRate).toFixed(1)},${y(p[s.key[0]][s.key[1]]).toFixed(1)}`);
    out.push(
      `<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`,
    );
    for (const pt of pts)
      out.push(`<circle cx="${pt.split(',')[0]}" cy="${pt.split(',')[1]}" r="3" fill="${s.color}"/>`);
    const ly = M.top + 10 + i * 20;
    out.push(
      `<line x1="${W - M.right + 14}" x2="${W - M.right + 44}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2" stroke-dasharray="${s.dash}"/>`,
    );
    out.push(`<text x="${W - M.right + 50}" y="${ly + 4}">${s.name}</text>`);
  });
  points
    .filter((p) => !p.pass)
    .forEach((p) => {
      out.push(
        `<text x="${x(p.offeredRate).toFixed(1)}" y="${M.top + 14}" text-anchor="middle" fill="#d62728">✗</text>`,
      );
    });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

module.exports = { renderChart };
