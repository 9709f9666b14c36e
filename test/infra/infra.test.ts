// scripts/lib/infra.js: the redis-server and Kafka mock that `npm test`, `npm start` and the bench
// start for themselves. What they start must be theirs, and a start that fails half-way must not
// leave the half that started running.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from '../support';

const INFRA = path.resolve(__dirname, '../../scripts/lib/infra.js');

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Runs `body` (JS with `infra` in scope) in a node process of its own, with `env`; answers what it
 * printed, then the processes it left running (its children, listed just before it exits).
 */
const runScript = (body: string, env: NodeJS.ProcessEnv = process.env): string =>
  execFileSync(
    process.execPath,
    [
      '-e',
      `const infra = require(${JSON.stringify(INFRA)});
       const { execFileSync } = require('node:child_process');
       (async () => { ${body} })().finally(() => {
         const left = execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
           .split('\\n').filter((l) => l.trim() && !l.startsWith('ps '));
         console.log('left running: ' + JSON.stringify(left));
         process.exit(0);
       });`,
    ],
    { env, encoding: 'utf8', timeout: 30_000 },
  );

describe('startRedis', () => {
  it('when another process answers on the port it was to use, then it fails saying so rather than hand that one out', async () => {
    const sockets = new Set<net.Socket>();
    const holder = net.createServer((socket) => {
      sockets.add(socket);
      socket.end();
    });
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-test-'));
    try {
      const out = runScript(
        `try { await infra.startRedis({ port: ${port}, log: () => undefined }); console.log('started'); }
         catch (err) { console.log('refused: ' + err.message); }`,
        { ...process.env, TMPDIR: tmp },
      );
      expect(out).toMatch(
        new RegExp(`refused: (redis-server on port ${port} exited|port ${port} is answered by another process)`),
      );
      expect(out).toContain('left running: []');
      // Nor its data folder.
      expect(fs.readdirSync(tmp)).toEqual([]);
    } finally {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => holder.close(resolve));
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  it('when the process that started it exits without stopping it, then the server and its data folder are gone', async () => {
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'infra-test-'));
    try {
      const out = runScript(
        `const r = await infra.startRedis({ appendonly: true, log: () => undefined });
         console.log('started ' + r.pid + ': ' + require('node:fs').readdirSync(${JSON.stringify(tmp)}).join(','));
         process.exit(0);`,
        { ...process.env, TMPDIR: tmp },
      );
      const [, pid] = /started (\d+): checkout-redis-\w+/.exec(out) ?? [];
      expect(pid).toBeDefined();
      expect(fs.readdirSync(tmp)).toEqual([]);
      await waitFor(() => !alive(Number(pid)), { what: `redis-server ${pid} gone` });
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });
});

describe('startInfra', () => {
  it('when redis-server cannot start, then the Kafka mock it started first is stopped too', () => {
    // A redis-server first on PATH that exits at once.
    const bin = fs.mkdtempSync(path.join(os.tmpdir(), 'broken-redis-'));
    fs.writeFileSync(path.join(bin, 'redis-server'), '#!/bin/sh\nexit 3\n', { mode: 0o755 });
    try {
      const out = runScript(
        `try { await infra.startInfra({ env: {}, log: () => undefined }); console.log('started'); }
         catch (err) { console.log('refused: ' + err.message); }`,
        { ...process.env, PATH: `${bin}:${process.env.PATH}` },
      );
      expect(out).toMatch(/refused: redis-server on port \d+ exited \(code 3\)/);
      expect(out).toContain('left running: []');
    } finally {
      fs.rmSync(bin, { recursive: true, force: true });
    }
  });
});
