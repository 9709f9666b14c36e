import { createServer, type Server, type Socket } from 'node:net';

/**
 * Just enough SMTP for nodemailer: records each message taken; `holdReplyMs(n)` delays the 250
 * that answers the n-th message (1-based); `rejectRecipients` refuses every RCPT TO for good, its
 * reply naming the address as real servers' do (or `rejection`'s text, given the address);
 * `rcptReply(address)`, when it gives one, is the whole reply to that RCPT TO (`452 4.2.2 …`).
 */
export function fakeSmtp({
  holdReplyMs = (): number => 0,
  rejectRecipients = false,
  rejection = (address: string) => `<${address}>: Recipient address rejected: User unknown in virtual mailbox table`,
  rcptReply = (): string | undefined => undefined,
}: {
  holdReplyMs?: (n: number) => number;
  rejectRecipients?: boolean;
  rejection?: (address: string) => string;
  rcptReply?: (address: string) => string | undefined;
} = {}) {
  const delivered: string[] = [];
  const server: Server = createServer((socket: Socket) => {
    let inData = false;
    let data = '';
    let buffer = '';
    socket.write('220 fake.local ESMTP\r\n');
    socket.on('data', (chunk) => {
      buffer += chunk.toString();
      let at: number;
      while ((at = buffer.indexOf('\r\n')) >= 0) {
        const line = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        if (inData) {
          if (line === '.') {
            inData = false;
            delivered.push(data);
            data = '';
            // The message is taken; its 250 may come late (a content scan, a slow relay).
            setTimeout(() => socket.writable && socket.write('250 OK queued\r\n'), holdReplyMs(delivered.length));
          } else data += `${line}\n`;
          continue;
        }
        const cmd = line.slice(0, 4).toUpperCase();
        if (cmd === 'EHLO' || cmd === 'HELO') socket.write('250 fake.local\r\n');
        else if (cmd === 'RCPT') {
          const address = /<([^>]*)>/.exec(line)?.[1] ?? '';
          const reply = rcptReply(address) ?? (rejectRecipients ? `550 5.1.1 ${rejection(address)}` : '250 OK');
          socket.write(`${reply}\r\n`);
        } else if (cmd === 'DATA') {
          inData = true;
          socket.write('354 go ahead\r\n');
        } else if (cmd === 'QUIT') socket.end('221 bye\r\n');
        else socket.write('250 OK\r\n');
      }
    });
    socket.on('error', () => undefined);
  });
  return { server, delivered };
}

export const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
