import nodemailer from 'nodemailer';
import type { Logger } from 'pino';
import { maskAddress } from '../domain/notification';
import type { Channel } from './channel';

/** Email through an SMTP server (SMTP_URL); a notification without a real address is only logged. */
export function smtpChannel(url: string, from: string, logger: Logger): Channel {
  const transport = nodemailer.createTransport(url);
  return {
    name: 'email',
    async send(n, message, log = logger) {
      const to = maskAddress(n.to);
      if (!n.to.includes('@')) {
        log.info({ template: n.template, orderId: n.orderId, to }, 'notification has no address, not emailed');
        return;
      }
      await transport.sendMail({ from, to: n.to, subject: message.subject, text: message.text });
      log.info({ template: n.template, orderId: n.orderId, to }, 'notification emailed');
    },
  };
}
