import pino, { type DestinationStream, type Logger } from 'pino';

export type { Logger };

/** Paths never written to a log: card data, tokens and credentials. */
export const REDACT_PATHS = [
  'cardNumber',
  'cvc',
  'cvv',
  '*.cardNumber',
  '*.cvc',
  '*.cvv',
  '*.*.cardNumber',
  '*.*.cvc',
  '*.*.cvv',
  'payment.token',
  '*.payment.token',
  'token',
  '*.token',
  'authorization',
  '*.authorization',
  'req.headers.authorization',
  'headers.authorization',
];

export function createLogger(service: string, level = 'info', destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      formatters: { level: (label) => ({ level: label }) },
    },
    destination,
  );
}
