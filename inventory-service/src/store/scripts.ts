import { OUTBOX_LUA, defineScript, type Redis } from '@checkout/chassis';
import { COMMIT_LUA } from './lua/commit';
import { EVENT_RECORD_LUA } from './lua/event-record';
import { FIRST_VERSION_LUA } from './lua/first-version';
import { HOLD_PENDING_LUA } from './lua/hold-pending';
import { RELEASE_LUA } from './lua/release';
import { RESERVE_LUA } from './lua/reserve';
import { SEED_LUA } from './lua/seed';
import { SET_STOCK_LUA } from './lua/set-stock';

const withPrelude = (lua: string) => OUTBOX_LUA + EVENT_RECORD_LUA + FIRST_VERSION_LUA + lua;

/** Loads this service's scripts once per connection (EVALSHA, EVAL after a script flush). */
export const inventoryScripts = (redis: Redis) => ({
  reserve: defineScript(redis, 3, withPrelude(RESERVE_LUA)),
  release: defineScript(redis, 3, withPrelude(RELEASE_LUA)),
  commit: defineScript(redis, 3, withPrelude(COMMIT_LUA)),
  setStock: defineScript(redis, 3, withPrelude(SET_STOCK_LUA)),
  seed: defineScript(redis, 3, withPrelude(SEED_LUA)),
  holdPending: defineScript(redis, 3, withPrelude(HOLD_PENDING_LUA)),
});

export type InventoryScripts = ReturnType<typeof inventoryScripts>;
