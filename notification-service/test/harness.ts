import { startRig } from '../../test/support/component';
import { createApp } from '../src/app';
import type { Channel } from '../src/channels';
import { logChannel } from '../src/channels/log-channel';
import type { Notification } from '../src/domain/notification';
import { createHandlers } from '../src/handlers';
import { NotificationStore } from '../src/store/notification-store';
import { Notifier } from '../src/usecases/notifier';

/** notification-service wired as main.ts does, on the real Redis and broker, under a prefix of its own. */
export async function startNotificationApp(channel?: Channel) {
  const rig = await startRig('notification-service');
  const store = new NotificationStore(rig.redis, rig.prefix);
  // Every notification the channel sent, in order, so a test can assert what was (not) sent.
  const sent: Notification[] = [];
  const inner = channel ?? logChannel(rig.logger);
  const recording: Channel = {
    name: inner.name,
    async send(notification, message, log) {
      await inner.send(notification, message, log);
      sent.push(notification);
    },
  };
  const notifier = new Notifier(store, recording, rig.logger);
  const app = createApp({ ...rig, store });
  return {
    app,
    store,
    notifier,
    sent,
    /** Runs the service's handlers in a fresh consumer group on the real broker. */
    consume: () => rig.consume(createHandlers(notifier)),
    stop: () => rig.stop(),
  };
}
