import { spawn } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';

/**
 * A service whose port is taken exits 1 and says why. The cache's main.ts catches start()'s
 * rejection, so a failed listen there ended the process without a word (nothing else kept it
 * alive): the chaos harness, which starts a system again when a port was taken meanwhile, found
 * no EADDRINUSE in its log and failed the run instead. Runtime.start calls process.exit, so it
 * runs in a child process of its own, from the built chassis.
 */
const dist = path.join(__dirname, '..', 'dist');

it('when the port is taken, then start() logs it at fatal with EADDRINUSE and the process exits 1', async () => {
  const taken = net.createServer();
  await new Promise<void>((resolve) => taken.listen(0, '0.0.0.0', resolve));
  const port = (taken.address() as net.AddressInfo).port;
  const script = `
    const express = require('express');
    const { Runtime } = require(${JSON.stringify(path.join(dist, 'runtime.js'))});
    const { baseConfigSchema, loadConfigFrom } = require(${JSON.stringify(path.join(dist, 'config.js'))});
    const config = loadConfigFrom(baseConfigSchema, { PORT: '${port}' });
    new Runtime({ service: 'listen-test', config }).start(express()).catch(() => undefined);`;
  try {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(1);
    const fatal = out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: string; msg: string; err?: { code?: string } })
      .find((l) => l.level === 'fatal');
    expect(fatal).toMatchObject({ msg: `listen-test cannot listen on port ${port}`, err: { code: 'EADDRINUSE' } });
  } finally {
    await new Promise((resolve) => taken.close(resolve));
  }
});
