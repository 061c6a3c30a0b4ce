// The address form (and the API's address object): one schema for both.
import { z } from 'zod';
import { COUNTRIES, COUNTRY_CODES } from '../countries.js';

export const MAX_ADDRESSES = 5;

// What a parcel label must never carry: control characters (NUL, tab, CR/LF), format characters
// (bidi overrides, zero-width spaces, tag characters, the BOM) and the line and paragraph
// separators. They print differently from what is stored, or break the label into lines.
const INVISIBLE = /\p{Cc}|\p{Cf}|\p{Zl}|\p{Zp}/u;
const LETTER_OR_DIGIT = /\p{L}|\p{N}/u;
const VISIBLE_ONLY = 'Use only visible characters: no line breaks, tabs or invisible characters.';

const visible = (v: string) => !INVISIBLE.test(v);

/** A required field: something a carrier can read, so at least one letter or digit. */
const text = (max: number, empty: string, tooLong: string) =>
  z
    .string({ message: empty })
    .trim()
    .min(1, empty)
    .max(max, tooLong)
    .refine(visible, VISIBLE_ONLY)
    .refine((v) => v === '' || LETTER_OR_DIGIT.test(v), 'Enter at least one letter or digit.');

function postalReady(payload: { value: unknown }): boolean {
  const v = payload.value as Record<string, unknown> | undefined;
  return typeof v?.country === 'string' && COUNTRIES.has(v.country) && typeof v.postal_code === 'string' && v.postal_code.length <= 12 && visible(v.postal_code);
}

export const addressSchema = z
  .object({
    recipient: text(100, 'Enter the name of the person who receives the parcel.', 'Use at most 100 characters.'),
    line1: text(120, 'Enter the street address.', 'Use at most 120 characters.'),
    line2: z.string().trim().max(120, 'Use at most 120 characters.').refine(visible, VISIBLE_ONLY).optional().default(''),
    city: text(80, 'Enter the city.', 'Use at most 80 characters.'),
    region: text(80, 'Enter the department, state or region.', 'Use at most 80 characters.'),
    postal_code: z
      .string()
      .trim()
      .max(12, 'Use at most 12 characters.')
      .refine(visible, VISIBLE_ONLY)
      .optional()
      .default('')
      .transform((v) => v.toUpperCase()),
    country: z.enum(COUNTRY_CODES as [string, ...string[]], { message: 'Choose a country from the list.' }),
    phone: z
      .string({ message: 'Enter a phone number for the carrier.' })
      .trim()
      .min(1, 'Enter a phone number for the carrier.')
      .max(20, 'Use at most 20 characters.')
      .refine(visible, VISIBLE_ONLY)
      // Digits with the usual separators (a plain space, not any Unicode space); 7 to 15 digits
      // (E.164's maximum), an optional leading +.
      .refine((p) => /^\+?[\d ().-]+$/.test(p) && /^\d{7,15}$/.test(p.replace(/\D/g, '')), 'Enter a phone number of 7 to 15 digits, like +57 300 123 4567.'),
  })
  // Checked even when other fields failed (zod's `when`), so every message shows at once.
  .refine((a) => !(COUNTRIES.get(a.country)?.required && a.postal_code === ''), { path: ['postal_code'], message: 'Enter the postal code.', when: postalReady })
  .refine((a) => a.postal_code === '' || COUNTRIES.get(a.country)?.postal.test(a.postal_code) !== false, {
    path: ['postal_code'],
    message: 'This postal code does not match the country.',
    when: postalReady,
  });

export type AddressInput = z.output<typeof addressSchema>;

/** The form's field names, to keep what was typed when the form comes back with errors. */
export const ADDRESS_FIELDS = ['recipient', 'line1', 'line2', 'city', 'region', 'postal_code', 'country', 'phone'] as const;
