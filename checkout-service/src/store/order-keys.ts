/** Every Redis key the order store owns, under its prefix (`checkout` outside tests). */
export const orderKeys = (prefix: string) => ({
  order: (orderId: string) => `${prefix}:order:${orderId}`,
  unpaid: (customerId: string) => `${prefix}:unpaid:${customerId}`,
  /** The transition script reads the customer id from the order, so it is given only this. */
  unpaidPrefix: `${prefix}:unpaid:`,
  /** Orders accepted and not yet ended, scored by when they were accepted (Redis' clock, ms). */
  open: `${prefix}:open`,
  /** Open orders to be announced again, scored by when (Redis' clock, ms): REANNOUNCE_LUA. */
  reannounce: `${prefix}:reannounce`,
});

export type OrderKeys = ReturnType<typeof orderKeys>;
