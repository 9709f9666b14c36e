import { domainToASCII } from 'node:url';
import { z } from 'zod';
import { withoutCardNumber } from './card-number';
import { Customer } from './common';

const NON_ASCII = /[\u0080-\uffff]/;

/** The address with its domain in ASCII (bücher.de → xn--bcher-kva.de); as it was when that cannot be done. */
function asciiDomain(address: string): string {
  const at = address.lastIndexOf('@');
  const domain = address.slice(at + 1);
  if (at < 0 || !NON_ASCII.test(domain)) return address;
  const ascii = domainToASCII(domain);
  return ascii ? `${address.slice(0, at)}@${ascii}` : address;
}

/**
 * An e-mail address as a shopper types it. A domain in Unicode (`ada@bücher.de`) is taken in its
 * ASCII form (`ada@xn--bcher-kva.de`), the same domain, which every mail server accepts; the order
 * and its events carry that form. A mailbox (the part before the @) in Unicode would need every mail
 * server on the way to speak SMTPUTF8, so it is refused with a message that says so. The address is
 * searched for a card number as typed: its ASCII form would hide one written in other digits
 * (Thai, Devanagari) in the domain.
 */
export const TypedEmail = withoutCardNumber(z.string().max(254))
  .refine((address) => !NON_ASCII.test(address.slice(0, Math.max(0, address.lastIndexOf('@')))), {
    message: 'the part before @ must be ASCII (internationalised mailboxes are not supported)',
  })
  .transform(asciiDomain)
  .pipe(Customer.shape.email)
  .meta({
    format: 'idn-email',
    description: 'An e-mail address; a domain in Unicode is taken in its ASCII form (xn--…), the mailbox must be ASCII',
  });
