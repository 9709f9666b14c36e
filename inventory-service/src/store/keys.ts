/** Every Redis key this service owns, under its owner prefix (`inventory` outside tests). */
export const keys = (prefix: string) => ({
  stock: (productId: string) => `${prefix}:stock:${productId}`,
  products: `${prefix}:products`,
  reservation: (orderId: string) => `${prefix}:reservation:${orderId}`,
  expiries: `${prefix}:reservation-expiries`,
  seeded: `${prefix}:seeded`,
});

export type Keys = ReturnType<typeof keys>;
