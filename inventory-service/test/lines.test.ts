import { sumLines } from '../src/domain/lines';

describe('sumLines', () => {
  it('when a product appears on several lines, then its quantities are summed in first-seen order', () => {
    expect(
      sumLines([
        { productId: 'b', quantity: 1 },
        { productId: 'a', quantity: 2 },
        { productId: 'b', quantity: 3 },
      ]),
    ).toEqual([
      { productId: 'b', quantity: 4 },
      { productId: 'a', quantity: 2 },
    ]);
  });

  it('when every line names a different product, then the lines are kept as they are', () => {
    expect(sumLines([{ productId: 'a', quantity: 1 }])).toEqual([{ productId: 'a', quantity: 1 }]);
  });
});
