import type { Logger } from '@checkout/chassis';
import type { Channel } from './channel';
import { logChannel } from './log-channel';
import { smtpChannel } from './smtp-channel';

export type { Channel };

export const createChannel = (config: { SMTP_URL?: string; SMTP_FROM: string }, logger: Logger): Channel =>
  config.SMTP_URL ? smtpChannel(config.SMTP_URL, config.SMTP_FROM, logger) : logChannel(logger);
