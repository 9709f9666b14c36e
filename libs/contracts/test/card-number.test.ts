import { holdsCardNumber } from '../src';

describe('holdsCardNumber', () => {
  it.each([
    ['a Visa test card', '4111111111111111'],
    ['a Mastercard in the 2-series', '2223003122003222'],
    ['an Amex of 15 digits', '378282246310005'],
    ['a Diners of 14 digits', '30569309025904'],
    ['a 19-digit card', '6011000000000000001'],
    ['one printed in groups of four', 'card 4111 1111 1111 1111 thanks'],
    ['one typed with dashes', '5555-5555-5555-4444'],
    ['one after a token prefix', 'tok_4000056655665556'],
  ])('when text holds %s, then it is found', (_what, text) => {
    expect(holdsCardNumber(text)).toBe(true);
  });

  it.each([
    ['a number that fails the Luhn check', '4111111111111112'],
    ['12 digits', '411111111116'],
    ['20 digits', '41111111111111111113'],
    ['a number no card scheme starts with (a snowflake id)', '1234567890123456789'],
    ['a millisecond timestamp', '1765000000000'],
    ['a card number inside a longer run of digits', '94111111111111111'],
  ])('when text holds %s, then nothing is found', (_what, text) => {
    expect(holdsCardNumber(text)).toBe(false);
  });

  it('when spaced is off, then only a plain run counts: digit groups of a uuid are not joined across its dashes', () => {
    expect(holdsCardNumber('5555-5555-5555-4444', { spaced: false })).toBe(false);
    expect(holdsCardNumber('41111111-1111-1111-1111-111111111111', { spaced: false })).toBe(false);
    expect(holdsCardNumber('key-5555555555554444', { spaced: false })).toBe(true);
  });
});
