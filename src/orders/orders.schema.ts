// One schema per form (and API body); the same schema serves both.
import { z } from 'zod';
import { Invalid } from '../http/errors.js';
import { parseId } from '../http/validate.js';
import { parseMoney } from '../money.js';
import { MAX_CART_QUANTITY } from './cart.repo.js';

// A form's id field: the same rule as an id in a URL (http/validate's parseId).
const id = (message: string) =>
  z
    .union([z.string(), z.number()], { message })
    .transform((v, ctx) => {
      const parsed = parseId(String(v).trim());
      if (parsed === null) {
        ctx.addIssue({ code: 'custom', message });
        return z.NEVER;
      }
      return parsed;
    });

export const quantity = z
  .union([z.string(), z.number()], { message: 'Enter how many copies you want.' })
  .default('1')
  .transform((v) => String(v).trim())
  .refine((v) => /^\d{1,6}$/.test(v), 'Enter a whole number of copies, like 1 or 2.')
  .transform(Number)
  .refine((n) => n >= 1, 'Choose at least 1 copy.')
  .refine((n) => n <= MAX_CART_QUANTITY, 'You can buy at most 100 copies at once.');

export const checkoutToken = z
  .string({ message: 'This form has no checkout token. Reload the page and try again.' })
  .regex(/^[A-Za-z0-9-]{16,64}$/, 'This form has an invalid checkout token. Reload the page and try again.');

export const buySchema = z.object({ quantity, checkout_token: checkoutToken });
export const cartAddSchema = z.object({ book_id: id('Choose a book.'), quantity });
export const cartUpdateSchema = z.object({
  book_id: id('Choose a book.'),
  quantity: z
    .union([z.string(), z.number()], { message: 'Enter how many copies you want.' })
    .transform((v) => String(v).trim())
    .refine((v) => /^\d{1,6}$/.test(v), 'Enter a whole number of copies (0 removes the book).')
    .transform(Number)
    .refine((n) => n <= MAX_CART_QUANTITY, 'At most 100 copies.'),
});
export const cartRemoveSchema = z.object({ book_id: id('Choose a book.') });
export const checkoutSchema = z.object({ checkout_token: checkoutToken });

/**
 * The carriers chosen on the delivery form or in the API body: `provider_id` for every parcel (a
 * purchase from one seller, as always), `provider_id_<seller>` (form) or `providers: [{ seller_id,
 * provider_id }]` (API) for one seller's parcel. A value that is there but no id is refused here.
 */
export function providerChoice(body: unknown): { all: number | null; bySeller: Map<number, number> } {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const chosen = (v: unknown, field: string): number => {
    const parsed = typeof v === 'string' || typeof v === 'number' ? parseId(String(v).trim()) : null;
    if (parsed === null) throw new Invalid({ [field]: 'Choose a delivery option.' });
    return parsed;
  };
  const present = (v: unknown) => v !== undefined && v !== '';
  const all = present(fields.provider_id) ? chosen(fields.provider_id, 'provider_id') : null;
  const bySeller = new Map<number, number>();
  for (const [key, value] of Object.entries(fields)) {
    const m = /^provider_id_(\d{1,10})$/.exec(key);
    if (m && present(value)) bySeller.set(Number(m[1]), chosen(value, key));
  }
  if (fields.providers !== undefined) {
    const list = z.array(z.object({ seller_id: z.number().int().positive(), provider_id: z.number().int().positive() })).max(100).safeParse(fields.providers);
    if (!list.success) throw new Invalid({ providers: 'Send providers as a list of { seller_id, provider_id }.' });
    for (const p of list.data) bySeller.set(p.seller_id, p.provider_id);
  }
  return { all, bySeller };
}

// ---- Payment ----

export const DECLINED_CARD = '4000000000000002';

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function cardBrand(digits: string): string {
  if (/^4/.test(digits)) return 'Visa';
  if (/^(5[1-5]|2(2[2-9]|[3-6]\d|7[01]|720))/.test(digits)) return 'Mastercard';
  if (/^3[47]/.test(digits)) return 'American Express';
  if (/^(6011|65|64[4-9])/.test(digits)) return 'Discover';
  return 'Card';
}

/** MM/YY that is this month or later (a card is valid through the end of its month). */
export function expiryValid(text: string, now: Date): boolean {
  const m = /^(0[1-9]|1[0-2])\s*\/\s*(\d{2})$/.exec(text);
  if (!m) return false;
  const month = Number(m[1]);
  const year = 2000 + Number(m[2]);
  return year * 12 + month >= now.getUTCFullYear() * 12 + now.getUTCMonth() + 1;
}

export const methodSchema = z.object({
  method: z.enum(['credit_card', 'paypal', 'bank_transfer'], { message: 'Choose how you want to pay.' }),
});

export function cardSchema(now: Date) {
  return z.object({
    card_number: z
      .string({ message: 'Enter the card number.' })
      .transform((v) => v.replace(/[\s-]/g, ''))
      .refine((v) => v.length > 0, 'Enter the card number.')
      .refine((v) => /^\d{12,19}$/.test(v) && luhnValid(v), 'This card number is not valid. Check the digits.'),
    card_expiry: z
      .string({ message: 'Enter the expiry date as MM/YY.' })
      .trim()
      .refine((v) => /^(0[1-9]|1[0-2])\s*\/\s*\d{2}$/.test(v), 'Enter the expiry date as MM/YY, like 04/29.')
      .refine((v) => expiryValid(v, now), 'This card has expired.'),
    card_cvv: z.string({ message: 'Enter the 3 or 4 digit security code.' }).trim().regex(/^\d{3,4}$/, 'Enter the 3 or 4 digit security code.'),
  });
}

export const paypalSchema = z.object({
  paypal_email: z
    .string({ message: 'Enter your PayPal email address.' })
    .trim()
    .min(1, 'Enter your PayPal email address.')
    .max(254)
    .pipe(z.email({ message: 'Enter a valid email address, like name@example.com.' })),
});

export const bankSchema = z.object({
  bank_name: z.string({ message: 'Enter the name of your bank.' }).trim().min(2, 'Enter the name of your bank.').max(100, 'Use at most 100 characters.'),
  bank_reference: z
    .string({ message: 'Enter the transfer reference.' })
    .trim()
    .regex(/^[A-Za-z0-9 /-]{4,64}$/, 'Enter the transfer reference (4 to 64 letters, digits, spaces, / or -).'),
});

// ---- Admin ----

export const providerSchema = z.object({
  name: z.string({ message: 'Enter a name.' }).trim().min(2, 'Enter a name of at least 2 characters.').max(80, 'Use at most 80 characters.'),
  coverage: z.string({ message: 'Describe the coverage area.' }).trim().min(2, 'Describe the coverage area.').max(80, 'Use at most 80 characters.'),
  cost: z
    .string({ message: 'Enter the cost, like 12.50.' })
    .transform((v) => parseMoney(v))
    .refine((v): v is number => v !== null, 'Enter the cost in dollars, like 12.50.')
    .refine((v) => v !== null && v <= 100_000_000, 'That cost is too high.'),
  delivery_hours: z
    .string({ message: 'Enter how many hours a delivery takes.' })
    .trim()
    .regex(/^\d{1,4}$/, 'Enter a whole number of hours, like 48.')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 2000, 'Use between 1 and 2000 hours.'),
});

export const purchaseStatusFilter = z.enum(['pending_payment', 'paid', 'cancelled']);

// ---- Claims ----

const claimText = (min: number, max: 500 | 2000, message: string) =>
  z
    .string({ message })
    .trim()
    .min(min, message)
    .max(max, max === 500 ? 'Use at most 500 characters.' : 'Use at most 2,000 characters.')
    .refine((v) => !/[^\P{Cc}\n\r\t]/u.test(v), 'Remove the control characters from the text.');

export const claimSchema = z.object({
  reason: z.enum(['not_received', 'not_as_described', 'damaged', 'wrong_book', 'changed_mind'], { message: 'Choose what went wrong.' }),
  message: claimText(10, 2000, 'Tell the seller what happened, in at least 10 characters.'),
});
export type ClaimInput = z.infer<typeof claimSchema>;
export const claimAnswerSchema = z.object({ message: claimText(5, 2000, 'Write your answer, in at least 5 characters.') });
export const claimDecisionSchema = z.object({
  decision: z.enum(['full', 'partial', 'none'], { message: 'Choose a decision.' }),
  amount: z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? null : parseMoney(v))),
  reason: claimText(5, 500, 'Give the reason both will see, in at least 5 characters.'),
});
