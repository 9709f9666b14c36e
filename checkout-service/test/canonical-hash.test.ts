import { canonicalHash } from '../src/domain/canonical-hash';

describe('canonicalHash', () => {
  it('when only the order of keys differs at any depth, then the hash is the same', () => {
    expect(canonicalHash({ a: 1, b: { c: [{ x: 1, y: 2 }], d: 'e' } })).toBe(
      canonicalHash({ b: { d: 'e', c: [{ y: 2, x: 1 }] }, a: 1 }),
    );
  });

  it('when a nested value or the order of array items differs, then the hash differs', () => {
    const base = {
      cart: {
        items: [
          { productId: 'a', quantity: 1 },
          { productId: 'b', quantity: 1 },
        ],
      },
    };
    expect(canonicalHash(base)).not.toBe(
      canonicalHash({
        cart: {
          items: [
            { productId: 'a', quantity: 2 },
            { productId: 'b', quantity: 1 },
          ],
        },
      }),
    );
    expect(canonicalHash(base)).not.toBe(canonicalHash({ cart: { items: [...base.cart.items].reverse() } }));
  });
});
