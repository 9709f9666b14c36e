import { randomBytes, randomUUID } from 'node:crypto';
import { CheckoutRequest, IdempotencyKey, buildCheckoutRequest, holdsCardNumber, withoutCardNumbers } from '../src';

describe('holdsCardNumber', () => {
  it.each([
    ['a Visa test card', '4111111111111111'],
    ['a Mastercard in the 2-series', '2223003122003222'],
    ['an Amex of 15 digits', '378282246310005'],
    ['an Amex printed 4-6-5', '3782 822463 10005'],
    ['a Diners of 14 digits', '30569309025904'],
    ['a 19-digit Discover', '6011000000000000001'],
    ['a 19-digit Visa printed 4-4-4-4-3', '4000 0000 0000 0000 006'],
    ['a 19-digit Discover typed with dashes', '6011-0000-0000-0000-001'],

    ['one printed in groups of four', 'card 4111 1111 1111 1111 thanks'],
    ['one typed with dashes', '5555-5555-5555-4444'],
    ['one typed with dots', '5555.5555.5555.4444'],
    ['one with no-break spaces', '4111\u00a01111\u00a01111\u00a01111'],
    ['one in full-width digits (an IME)', '４１１１１１１１１１１１１１１１'],
    ['one followed by its expiry', 'Ada 4111 1111 1111 1111 12 27'],
    ['one after other digits', 'Flat 12 4111 1111 1111 1111'],
    ['one after a token prefix', 'tok_4000056655665556'],
    ['one split by underscores after a token prefix', 'tok_4111_1111_1111_1111'],
    ['one as an email address', '4111111111111111@example.com'],
    ['a Maestro', '6759 6498 2643 8453'],
    ['a Mir', '2201 3820 0000 0013'],
    ['an Elo', '5066 9911 1111 1118'],
    ['a Dankort', '5019 7170 1010 3742'],
    ['a 19-digit Verve', '5061000000000000007'],
    ['one with mixed separators', '4111 1111-1111 1111'],
    ['one with double spaces', '4111  1111  1111  1111'],
    ['one with spaced dashes', '4111 - 1111 - 1111 - 1111'],
    ['one printed 8-8', '41111111 11111111'],
    ['one printed 4-8-4', '4111 11111111 1111'],
    ['an Amex printed 5-5-5', '37828 22463 10005'],
    ['one after an expiry year', 'exp 2027 4111 1111 1111 1111'],
    ['one typed with slashes', '4111/1111/1111/1111'],
    ['one typed with colons', '4111:1111:1111:1111'],
    ['one typed with commas', '4111,1111,1111,1111'],
    ['one typed with plus signs (a local part of an email)', '4000+0566+5566+5556@example.com'],
    ['one typed with en dashes', '4111\u20131111\u20131111\u20131111'],
    ['one typed with Unicode hyphens', '4111\u20101111\u20101111\u20101111'],
    ['one typed with minus signs', '4111\u22121111\u22121111\u22121111'],
    ['one with zero-width spaces between its digits', '4111\u200b1111\u200b1111\u200b1111'],
    ['one with soft hyphens between its groups', '4111\u00ad1111\u00ad1111\u00ad1111'],
    [
      'one sent as UTF-8 in a header, which Node reads as Latin-1 (no-break spaces)',
      'k 4000\u00c2\u00a00566\u00c2\u00a05566\u00c2\u00a05556',
    ],
    ['one typed with stars', '4111*1111*1111*1111'],
    ['one typed with apostrophes (an email local part)', "4111'1111'1111'1111@example.com"],
    ['one typed with bullets', '4111\u20221111\u20221111\u20221111'],
    ['one typed with middle dots', '4111\u00b71111\u00b71111\u00b71111'],
    ['one typed with hashes', '4111#1111#1111#1111'],
    ['one typed with double dashes', '4111--1111--1111--1111'],
    ['one in brackets', '(4111)(1111)(1111)(1111)'],
    ['one with four spaces between groups', '4111    1111    1111    1111'],
    ['one printed 4-4-8', '4111 1111 11111111'],
    ['an Amex printed 4-4-4-3', '3782 8224 6310 005'],
    ['one after a uuid', '00000000-0000-0000-0000-000000000000 4111 1111 1111 1111'],
    [
      'one in Tamil digits',
      '\u0bea\u0be7\u0be7\u0be7\u0be7\u0be7\u0be7\u0be7\u0be7\u0be7\u0be7\u0be7\u0be7\u0be7\u0be7\u0be7',
    ],
    [
      'one in Gujarati digits',
      '\u0aea\u0ae7\u0ae7\u0ae7 \u0ae7\u0ae7\u0ae7\u0ae7 \u0ae7\u0ae7\u0ae7\u0ae7 \u0ae7\u0ae7\u0ae7\u0ae7',
    ],
    [
      'one in Myanmar digits',
      '\u1044\u1041\u1041\u1041\u1041\u1041\u1041\u1041\u1041\u1041\u1041\u1041\u1041\u1041\u1041\u1041',
    ],
    [
      'one typed on a Japanese keyboard (long-vowel marks as dashes)',
      '\uff14\uff11\uff11\uff11\u30fc\uff11\uff11\uff11\uff11\u30fc\uff11\uff11\uff11\uff11\u30fc\uff11\uff11\uff11\uff11',
    ],
    [
      'one in Arabic-Indic digits',
      '\u0664\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661\u0661',
    ],
  ])('when text holds %s, then it is found', (_what, text) => {
    expect(holdsCardNumber(text)).toBe(true);
  });

  it.each([
    ['a number that fails the Luhn check', '4111111111111112'],
    ['12 digits', '411111111116'],
    ['20 digits', '41111111111111111113'],
    ['a card number inside a longer run of digits', '94111111111111111'],
    ['a card number against letters, as inside hex text', 'ab4111111111111111cd'],
    ['a card number across the groups of a uuid', '00000000-4111-1111-1111-111111111111'],
    ['a uuid of digits only', '41111111-1111-1111-1111-111111111111'],
    ['a millisecond timestamp of 2033 (13 digits, starting 2)', '2000000000008'],
    ['a German mobile number in E.164 (13 digits, starting 4)', 'Ada +4915112345678'],
    ['an EAN-13 starting 4', '4006381333924'],
    ['a Luhn-valid 13-digit id starting 6 (no scheme issues 13 digits there)', '6207553863874'],
    ['a Luhn-valid IMEI (15 digits starting 35: Amex is 34 or 37)', '356938035643809'],
    ['an 18-digit snowflake id of 2017 in the JCB range', '352800000000000007'],
    ['a 19-digit snowflake id (no scheme starts with 1)', '1234567890123456789'],
    ['a date and a time', '2026-12-06 12:30:45'],
    ['an ISO timestamp with milliseconds', '2026-12-06T12:30:45.123Z'],
    ['Latin-1 text that is not UTF-8', 'Jos\u00e9 M\u00fcller'],
    ['a timestamp key and a counter', '20250602174313-38'],
    ['a date, a time and a counter', '20250602-174313-38'],
    ['an order number of a date, a store and a sequence', '20231119-5006-8225'],
    ['a user id and a Unix time', '482913-1764000000'],
    ['a random number and a millisecond time', '738211-1764000000123'],
    ['a store and a customer number', '0042-123456789012'],
    ['a tenant and a customer id', '482913:4829130000'],
    ['an Amazon-style order id', '114-3941689-8772232'],
  ])('when text holds %s, then nothing is found', (_what, text) => {
    expect(holdsCardNumber(text)).toBe(false);
  });

  it('when keys and ids are drawn as clients make them (hex, uuids, base64url), then none is taken for a card number', () => {
    // Digits inside such a token always touch a letter or a dash-separated group: never a whole run.
    const drawn = Array.from({ length: 20_000 }, (_, i) =>
      i % 3 === 0
        ? randomBytes(16).toString('hex')
        : i % 3 === 1
          ? randomUUID()
          : randomBytes(24).toString('base64url'),
    );
    expect(drawn.filter((text) => holdsCardNumber(text))).toEqual([]);
  });
});

describe('withoutCardNumbers', () => {
  it('when text holds card numbers, then each is replaced and the rest kept', () => {
    expect(withoutCardNumbers('/orders/4111111111111111/events and 5555-5555-5555-4444')).toBe(
      '/orders/[card number]/events and [card number]',
    );
    expect(withoutCardNumbers('/orders/ord_1')).toBe('/orders/ord_1');
  });

  it('when a header sent as UTF-8 (read as Latin-1) holds one, then it is masked too', () => {
    expect(withoutCardNumbers('id 4000\u00c2\u00a00566\u00c2\u00a05566\u00c2\u00a05556')).toBe('id [card number]');
  });
});

describe('withoutCardNumber', () => {
  // zod runs a refinement after a failed length check: a name of 100 KB was scanned in full, ~60 ms
  // of CPU per request. Over its limit, a value is refused for its length alone.
  it('when a value is over its length limit, then it is refused for that alone, without the scan', () => {
    const name = `4111 1111 1111 1111 ${'x'.repeat(300)}`;
    const body = buildCheckoutRequest({ customer: { id: 'c1', name, email: 'ada@example.com' } });
    const issues = CheckoutRequest.safeParse(body).error?.issues.filter((i) => i.path.join('.') === 'customer.name');
    expect(issues?.map((i) => i.code)).toEqual(['too_big']);
    expect(IdempotencyKey.safeParse(`4111111111111111${'k'.repeat(300)}`).error?.issues.map((i) => i.code)).toEqual([
      'too_big',
    ]);
  });

  it('when a value is within its limits, then a card number in it is refused', () => {
    const body = buildCheckoutRequest({ customer: { id: 'c1', name: 'Ada 4111 1111 1111 1111', email: 'a@b.co' } });
    const issues = CheckoutRequest.safeParse(body).error?.issues ?? [];
    expect(issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['customer.name', expect.stringMatching(/must not hold a card number/)],
    ]);
  });
});
