import { promoCodeName, type ValidationDetail } from '@checkout/contracts';

type Rule = (subtotal: number) => number;

/** Promo rules: each returns the discount in cents it grants on a subtotal. */
const RULES: Record<string, Rule> = {
  // 10% off, rounded half up to the cent.
  PROMO10: (subtotal) => Math.round(subtotal / 10),
  SAVE500: (subtotal) => (subtotal >= 5000 ? 500 : 0),
};

export function applyPromotions(
  codes: readonly string[],
  subtotal: number,
): { discount: number; errors: ValidationDetail[] } {
  let discount = 0;
  const errors: ValidationDetail[] = [];
  const applied = new Set<string>();
  for (const code of codes) {
    // Each counts once however it is spelled: `promo10` and `PROMO10` are one code.
    const name = promoCodeName(code);
    if (applied.has(name)) continue;
    applied.add(name);
    const rule = Object.hasOwn(RULES, name) ? RULES[name] : undefined;
    if (!rule) {
      errors.push({ code: 'INVALID_PROMO_CODE', promoCode: code, message: `promo code ${code} is not valid` });
      continue;
    }
    discount += rule(subtotal);
  }
  return { discount: Math.min(discount, subtotal), errors };
}
