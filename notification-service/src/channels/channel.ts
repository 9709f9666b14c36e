import type { Notification } from '../domain/notification';
import type { Rendered } from '../domain/templates';

/** A way to deliver a notification; the record is kept by the store whichever channel sends it. */
export interface Channel {
  readonly name: string;
  send(notification: Notification, message: Rendered): Promise<void>;
}
