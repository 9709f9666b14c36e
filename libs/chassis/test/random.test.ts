import { randomHex } from '../src/random';

describe('randomHex', () => {
  it('when ids are drawn across many pool refills, then each has the asked length in hex and none repeats', () => {
    const ids = Array.from({ length: 3000 }, () => randomHex(12));
    for (const id of ids) expect(id).toMatch(/^[0-9a-f]{24}$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('when more bytes are asked than the pool holds, then they still come, all random', () => {
    const big = randomHex(5000);
    expect(big).toMatch(/^[0-9a-f]{10000}$/);
    expect(big).not.toBe(randomHex(5000));
  });
});
