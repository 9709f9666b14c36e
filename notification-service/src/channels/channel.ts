import type { LevelLogger } from '@checkout/chassis';
import type { Notification } from '../domain/notification';
import type { Rendered } from '../domain/templates';

/** A way to deliver a notification; the record is kept by the store whichever channel sends it. */
export interface Channel {
  readonly name: string;
  /** `log`: the handler's, which names the event and its correlation id; the channel's own without one. */
  send(notification: Notification, message: Rendered, log?: LevelLogger): Promise<void>;
}
