import { z } from 'zod';

/** Every error answer of our services (the gateway mock's follow its own API): details empty when none. */
export const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  details: z.array(z.unknown()),
});
export type ErrorBody = z.infer<typeof ErrorBody>;
