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

it('when ADMIN_TOKEN is short outside production, then the service is built with a warning that does not show the token', async () => {
  const script = `
    const { Runtime } = require(${JSON.stringify(path.join(dist, 'runtime.js'))});
    const { baseConfigSchema, loadConfigFrom } = require(${JSON.stringify(path.join(dist, 'config.js'))});
    new Runtime({ service: 'token-test', config: loadConfigFrom(baseConfigSchema, { PORT: '1', ADMIN_TOKEN: 'letmein' }) });`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  expect(await new Promise((resolve) => child.on('exit', resolve))).toBe(0);
  const warnings = out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as { level: string; msg: string })
    .filter((l) => l.level === 'warn');
  expect(warnings).toEqual([
    expect.objectContaining({ msg: expect.stringMatching(/^ADMIN_TOKEN is shorter than 16/) }),
  ]);
  expect(out).not.toContain('letmein');
});

/** Starts a bare Runtime in a child process with `env`, resolves its port once it has started, and stops it. */
async function withRuntime(env: Record<string, string>, use: (port: number) => Promise<void>): Promise<void> {
  const free = net.createServer();
  await new Promise<void>((resolve) => free.listen(0, '127.0.0.1', resolve));
  const port = (free.address() as net.AddressInfo).port;
  await new Promise((resolve) => free.close(resolve));
  const script = `
    const express = require('express');
    const { Runtime } = require(${JSON.stringify(path.join(dist, 'runtime.js'))});
    const { baseConfigSchema, loadConfigFrom } = require(${JSON.stringify(path.join(dist, 'config.js'))});
    const config = loadConfigFrom(baseConfigSchema, { ...${JSON.stringify(env)}, PORT: '${port}' });
    new Runtime({ service: 'host-test', config }).start(express()).catch(() => undefined);`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    await new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('host-test started')) resolve();
      });
      child.on('exit', (code) => reject(new Error(`exited ${code} before it started: ${out}`)));
    });
    await use(port);
  } finally {
    child.kill('SIGKILL');
  }
}

/** Whether a TCP connection to host:port opens. */
const accepts = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = net.connect({ host, port });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });

// 127.0.0.2 is this machine too, but not the loopback address a server bound to 127.0.0.1 takes.
it('when HOST is 127.0.0.1 (as npm start passes), then the service takes connections on that address only', async () => {
  await withRuntime({ HOST: '127.0.0.1' }, async (port) => {
    expect([await accepts('127.0.0.1', port), await accepts('127.0.0.2', port)]).toEqual([true, false]);
  });
});

/** Whether this host speaks IPv6 at all (many containers run with it disabled): a server can bind ::1. */
const hasIPv6 = (): Promise<boolean> =>
  new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });

it('when HOST is not set (a container), then the service takes connections on every address, IPv4 and, where the host has it, IPv6 (a pod IP may be either)', async () => {
  const ipv6 = await hasIPv6();
  await withRuntime({}, async (port) => {
    expect([await accepts('127.0.0.1', port), await accepts('127.0.0.2', port), await accepts('::1', port)]).toEqual([
      true,
      true,
      ipv6,
    ]);
  });
});
