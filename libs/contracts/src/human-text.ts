import type { z } from 'zod';
import { whenValidSoFar } from './text';

/** Characters that show nothing: format controls (zero-width, bidi marks), separators, spaces, and fillers (Hangul, Braille blank). */
const INVISIBLE = /[\p{Cf}\p{Z}\s\u115f\u1160\u3164\uffa0\u2800]/gu;

/**
 * Text a person typed (a name) or an id a shop gave, as a request may carry it: something visible
 * (not blank, nor only zero-width characters), no control characters or line and paragraph
 * separators (a NUL, a line break), no bidirectional overrides (which make a name read differently
 * from what it is), and well-formed Unicode (a lone surrogate, or U+FFFD where a body's bytes were
 * not UTF-8). Events keep the plainer schema, so that an event already on Kafka from before these
 * rules is not dead-lettered by them.
 */
export const humanText = (schema: z.ZodString) =>
  schema
    .refine((text) => text.replace(INVISIBLE, '') !== '', { message: 'must not be blank', ...whenValidSoFar })
    .refine((text) => !/[\p{Cc}\u2028\u2029\u202a-\u202e\u2066-\u2069]/u.test(text), {
      message: 'must not hold control characters or line breaks',
      ...whenValidSoFar,
    })
    .refine((text) => !/\ufffd|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(text), {
      message: 'must be well-formed UTF-8 text',
      ...whenValidSoFar,
    })
    // The refinements do not show in a JSON Schema: the generated docs get the nearest pattern (not
    // only spaces) and say the rest, so a client checking against them does not send a blank name.
    .meta({
      pattern: '\\S',
      description: 'Visible text: not blank (nor only invisible characters), no control characters or line breaks',
    });
