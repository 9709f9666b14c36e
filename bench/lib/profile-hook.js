'use strict';
// Preloaded into every service (NODE_OPTIONS=--require) when BENCH_PROFILE names services; only
// those named profile. SIGUSR2 starts the V8 CPU profiler, the next SIGUSR2 writes
// <BENCH_PROFILE_DIR>/<service>-<pid>.cpuprofile, so the profile covers the measured steps only.
const fs = require('node:fs');
const inspector = require('node:inspector');
const path = require('node:path');

const service = path.basename(path.dirname(path.dirname(process.argv[1] ?? '')));
const wanted = (process.env.BENCH_PROFILE ?? '').split(',').map((s) => s.trim());

if (wanted.includes(service)) {
  const session = new inspector.Session();
  session.connect();
  let running = false;
  process.on('SIGUSR2', () => {
    if (!running) {
      running = true;
      session.post('Profiler.enable', () => session.post('Profiler.start'));
      return;
    }
    running = false;
    session.post('Profiler.stop', (err, result) => {
      if (err) return;
      const dir = process.env.BENCH_PROFILE_DIR ?? process.cwd();
      fs.mkdirSync(dir, { recursive: true });
      fs.writeFileSync(path.join(dir, `${service}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
