// scripts/lib/services.js: `npm start` binds the contract's fixed ports, so before it starts a
// service it checks the port is free. A service that cannot bind exits, and whatever holds the port
// would otherwise answer the readiness checks in its place.
import net from 'node:net';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- plain JS scripts
const { portTaken } = require('../../scripts/lib/services') as { portTaken(port: number): Promise<boolean> };

describe('portTaken', () => {
  it('when something listens on the port, then it is taken; once that closes, it is free', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, resolve));
    const { port } = holder.address() as net.AddressInfo;
    expect(await portTaken(port)).toBe(true);
    await new Promise((resolve) => holder.close(resolve));
    expect(await portTaken(port)).toBe(false);
  });

  it('when the holder listens on loopback only, then the port is still taken', async () => {
    const holder = net.createServer();
    await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', resolve));
    const { port } = holder.address() as net.AddressInfo;
    try {
      expect(await portTaken(port)).toBe(true);
    } finally {
      await new Promise((resolve) => holder.close(resolve));
    }
  });
});
