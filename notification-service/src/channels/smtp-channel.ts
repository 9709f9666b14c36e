import nodemailer from 'nodemailer';
import { AppError, type Logger } from '@checkout/chassis';
import { cut } from '@checkout/contracts';
import { maskAddress, type Notification } from '../domain/notification';
import type { Channel } from './channel';

/** nodemailer's codes for a server it could not reach or talk to (it reports ECONNREFUSED as ESOCKET). */
const UNREACHABLE = new Set(['ESOCKET', 'ECONNECTION', 'ETIMEDOUT', 'EDNS', 'EPROXY']);

/** How much of a server's reply is kept: enough for its code and what it says. */
const MESSAGE_CHARS = 1000;
/** The longest e-mail address (RFC 5321's 254), room for one that begins in what is kept. */
const ADDRESS_ROOM = 254;

/** Anything shaped like an e-mail address inside an SMTP server's reply. */
const ADDRESS = /[^\s<>"'(),;:[\]]+@[^\s<>"'(),;:[\]]+/g;

/**
 * What of nodemailer's error may be logged and dead-lettered: its message with every address
 * masked, and the codes. Its own error carries the server's reply, which names the recipient
 * (`550 5.1.1 <ada@example.com>: Recipient address rejected`), in its message and in `response`,
 * `rejected` and `rejectedErrors`, and the logger and a dead letter's `dlq-error` took them all.
 */
class SmtpError extends Error {
  readonly code?: string;
  readonly responseCode?: number;
  readonly command?: string;
  /** The reply's enhanced status code (RFC 3463), `4.2.2` in `452 4.2.2 <…>: Mailbox full`. */
  readonly status?: string;
  constructor(err: unknown) {
    const { message, code, responseCode, command, response } = (err ?? {}) as Partial<SmtpError> & {
      response?: unknown;
    };
    // Only what is kept is masked, and room for an address that begins in it: the server's text can
    // be long, and the address pattern is slow over long text without an @.
    super(
      cut(
        String(message ?? err)
          .slice(0, MESSAGE_CHARS + ADDRESS_ROOM)
          .replace(ADDRESS, maskAddress),
        MESSAGE_CHARS,
      ),
    );
    this.name = 'SmtpError';
    if (code !== undefined) this.code = code;
    if (responseCode !== undefined) this.responseCode = responseCode;
    if (command !== undefined) this.command = command;
    const status =
      typeof response === 'string' ? /^\d{3}[ -]([245]\.\d{1,3}\.\d{1,3})\b/.exec(response)?.[1] : undefined;
    if (status !== undefined) this.status = status;
  }
}

/**
 * A temporary refusal of the recipient's mailbox at RCPT TO: enhanced status 4.2.x (4.2.2 mailbox
 * full, 4.2.1 disabled for now). It is that notification's own, not the server's: retried as a
 * message that fails on its own is, then dead-lettered, so one full mailbox does not hold back
 * everyone's. A 450/452 about anything else (4.7.1 too many recipients from this client, 4.1.8 the
 * sender's domain, 4.3.1 the server's storage) stays the server's.
 */
const mailboxRefusedForNow = (err: SmtpError): boolean => err.command === 'RCPT TO' && /^4\.2\./.test(err.status ?? '');

/**
 * A failure the server may get over: unreachable, or a temporary (4xx) reply such as 421 or 451.
 * It is a 503, so the consumer retries the event until the server is back instead of
 * dead-lettering it (and the notification with it); a permanent (5xx) refusal stays as it is, and
 * so does a temporary refusal of the recipient (above).
 */
const transient = (err: SmtpError): unknown => {
  const { code, responseCode } = err;
  if (mailboxRefusedForNow(err)) return err;
  const temporary = responseCode !== undefined && responseCode >= 400 && responseCode < 500;
  if (!temporary && !(code && UNREACHABLE.has(code) && responseCode === undefined)) return err;
  return new AppError('SMTP_UNAVAILABLE', 503, `the SMTP server is unavailable (${code ?? responseCode})`, undefined, {
    cause: err,
  });
};

/**
 * The URL with nodemailer's timeouts (as query parameters, which it reads) unless it sets its own:
 * well inside a notification's claim lease, rather than its 2 and 10 minutes.
 */
const withTimeouts = (url: string): string => {
  const u = new URL(url);
  const defaults = { connectionTimeout: '10000', greetingTimeout: '10000', socketTimeout: '20000' };
  for (const [k, v] of Object.entries(defaults)) if (!u.searchParams.has(k)) u.searchParams.set(k, v);
  return u.toString();
};

/**
 * The same for every send of one (order, template): a notification sent again after a crash
 * between the SMTP server's acceptance and its `sent` record carries the first one's Message-ID,
 * which mail systems (Gmail among them) use to drop the copy. The domain is the sender's.
 */
export function messageIdOf(n: Pick<Notification, 'orderId' | 'template'>, from: string): string {
  const domain = /@([^\s>]+)>?\s*$/.exec(from)?.[1] ?? 'notification-service.invalid';
  return `<${n.template}.${encodeURIComponent(n.orderId)}@${domain}>`;
}

/** Email through an SMTP server (SMTP_URL); a notification without a real address is only logged. */
export function smtpChannel(url: string, from: string, logger: Logger): Channel {
  const transport = nodemailer.createTransport(withTimeouts(url));
  return {
    name: 'email',
    async send(n, message, log = logger) {
      const to = maskAddress(n.to);
      if (!n.to.includes('@')) {
        log.info({ template: n.template, orderId: n.orderId, to }, 'notification has no address, not emailed');
        return;
      }
      await transport
        .sendMail({ from, to: n.to, subject: message.subject, text: message.text, messageId: messageIdOf(n, from) })
        .catch((err: unknown) => {
          throw transient(new SmtpError(err));
        });
      log.info({ template: n.template, orderId: n.orderId, to }, 'notification emailed');
    },
  };
}
