/** Every Redis key the payment store owns, under its prefix (`payment` outside tests). */
export const paymentKeys = (prefix: string) => ({
  payment: (orderId: string) => `${prefix}:payments:${orderId}`,
  /** Claimed authorizations, scored by when their lease runs out. */
  processing: `${prefix}:processing`,
  /** Reservations waiting for the order's half, scored by when they expire. */
  awaiting: `${prefix}:awaiting`,
  /** Payments a resumed claim failed, scored by when the gateway is asked once more whether it charged. */
  recheck: `${prefix}:recheck`,
});

export type PaymentKeys = ReturnType<typeof paymentKeys>;
