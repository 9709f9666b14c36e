import type { Logger } from '@checkout/chassis';
import { maskAddress } from '../domain/notification';
import type { Channel } from './channel';

/** The default channel: the notification is recorded and a log line says so, with the address masked. */
export const logChannel = (logger: Logger): Channel => ({
  name: 'log',
  async send(n, _message, log = logger) {
    log.info({ template: n.template, orderId: n.orderId, to: maskAddress(n.to) }, 'notification sent');
  },
});
