'use strict';
// Self time of a V8 .cpuprofile by function and by where the code lives (package, node core,
// our code, GC). Usable alone: node bench/lib/profile-summary.js <file.cpuprofile> [top]
const fs = require('node:fs');

function whereOf(url, name) {
  if (!url) return name.startsWith('(') ? name : '(native)';
  if (url.startsWith('node:')) return 'node core';
  const pkg = url.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (pkg) return pkg[1];
  const ours = url.match(/\/(libs\/[^/]+|[a-z-]+-service|payment-gateway-mock)\//);
  return ours ? ours[1] : url;
}

function summarizeProfile(profile, top = 15) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map();
  profile.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const fns = new Map();
  const places = new Map();
  let total = 0;
  let idle = 0;
  for (const [id, us] of self) {
    const { functionName, url, lineNumber } = byId.get(id).callFrame;
    const name = functionName || '(anonymous)';
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    total += us;
    const file = url ? url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*\/(?=[a-z-]+\/dist\/)/, '') : '';
    const key = `${name} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
    fns.set(key, (fns.get(key) ?? 0) + us);
    const where = whereOf(url, name);
    places.set(where, (places.get(where) ?? 0) + us);
  }
  const rank = (m) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => ({ name: k, ms: Math.round(us / 1000), pct: Number(((100 * us) / total).toFixed(1)) }));
  return {
    busyMs: Math.round(total / 1000),
    idleMs: Math.round(idle / 1000),
    topFunctions: rank(fns),
    byPlace: rank(places),
  };
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  const s = summarizeProfile(JSON.parse(fs.readFileSync(file, 'utf8')), Number(top ?? 25));
  console.log(`busy ${s.busyMs} ms, idle ${s.idleMs} ms\n\nby place:`);
  for (const p of s.byPlace) console.log(`  ${String(p.pct).padStart(5)}%  ${p.name}`);
  console.log('\ntop functions (self time):');
  for (const f of s.topFunctions) console.log(`  ${String(f.pct).padStart(5)}%  ${f.name}`);
}

module.exports = { summarizeProfile };
