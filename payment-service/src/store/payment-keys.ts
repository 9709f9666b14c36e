/** Every Redis key the payment store owns, under its prefix (`payment` outside tests). */
export const paymentKeys = (prefix: string) => ({
  payment: (orderId: string) => `${prefix}:payments:${orderId}`,
  /** Claimed authorizations, scored by when their lease runs out. */
  processing: `${prefix}:processing`,
});

export type PaymentKeys = ReturnType<typeof paymentKeys>;
