// One schema for the add/edit form and the JSON API body: forms send strings, JSON may send numbers.
import { z } from 'zod';
import { parseMoney } from '../money.js';
import { CONDITIONS, type Condition } from './catalog.repo.js';

export const CONDITION_LABELS: Record<Condition, string> = {
  as_new: 'As new',
  fine: 'Fine',
  very_good: 'Very good',
  good: 'Good',
  fair: 'Fair',
  poor: 'Poor',
};

export const MAX_PRICE_CENTS = 100_000_000; // 1,000,000.00
export const MAX_STOCK = 10_000;

/** Digits (and a final X for ISBN-10), spaces and hyphens removed. */
export function normaliseIsbn(value: string): string {
  return value.replace(/[\s-]/g, '').toUpperCase();
}

export function isValidIsbn(isbn: string): boolean {
  if (/^\d{9}[\dX]$/.test(isbn)) {
    let sum = 0;
    for (let i = 0; i < 10; i++) sum += (10 - i) * (isbn[i] === 'X' ? 10 : Number(isbn[i]));
    return sum % 11 === 0;
  }
  if (/^\d{13}$/.test(isbn)) {
    let sum = 0;
    for (let i = 0; i < 13; i++) sum += (i % 2 === 0 ? 1 : 3) * Number(isbn[i]);
    return sum % 10 === 0;
  }
  return false;
}

/** The same book's ISBN in both forms (an ISBN-10 is a 978 ISBN-13), for exact search. */
export function isbnForms(isbn: string): string[] {
  if (isbn.length === 10) {
    const body = `978${isbn.slice(0, 9)}`;
    let sum = 0;
    for (let i = 0; i < 12; i++) sum += (i % 2 === 0 ? 1 : 3) * Number(body[i]);
    return [isbn, `${body}${(10 - (sum % 10)) % 10}`];
  }
  if (isbn.startsWith('978')) {
    const body = isbn.slice(3, 12);
    let sum = 0;
    for (let i = 0; i < 9; i++) sum += (10 - i) * Number(body[i]);
    const check = (11 - (sum % 11)) % 11;
    return [isbn, `${body}${check === 10 ? 'X' : String(check)}`];
  }
  return [isbn];
}

// Each message written out whole: it is the key of its Spanish text (src/i18n/es.ts).
const text = (max: number, missing: string, tooLong: string) => z.string({ message: missing }).trim().min(1, missing).max(max, tooLong);

const stringOrNumber = (message: string) => z.union([z.string(), z.number()], { message }).transform((v) => (typeof v === 'number' ? String(v) : v));

export const bookSchema = z.object({
  title: text(200, 'Enter the title.', 'Use at most 200 characters for the title.'),
  author: text(120, 'Enter the author.', 'Use at most 120 characters for the author.'),
  isbn: z
    .string({ message: 'Enter the ISBN as text, or leave it empty.' })
    .nullish()
    .transform((v) => (v ? normaliseIsbn(v) : ''))
    .refine((v) => v === '' || isValidIsbn(v), 'Enter a valid ISBN-10 or ISBN-13; the last digit (the check digit) does not match.')
    .transform((v) => v || null),
  description: z
    .string({ message: 'Describe the book as text.' })
    .nullish()
    .transform((v) => (v ?? '').trim())
    .refine((v) => v.length <= 5000, 'Use at most 5,000 characters for the description.'),
  condition: z.enum(CONDITIONS, { message: 'Choose the condition of the book.' }),
  price: stringOrNumber('Enter a price, like 12.50.')
    .transform((v, ctx) => {
      const cents = parseMoney(v);
      if (cents === null) {
        ctx.addIssue({ code: 'custom', message: 'Enter a price in dollars, like 12.50.' });
        return z.NEVER;
      }
      return cents;
    })
    .refine((c) => c > 0, 'The price must be more than $0.00.')
    .refine((c) => c <= MAX_PRICE_CENTS, 'The price can be at most $1,000,000.00.'),
  stock: stringOrNumber('Enter how many copies you have, from 0 to 10,000.')
    .refine((v) => /^\s*\d{1,12}\s*$/.test(v), 'Enter how many copies you have as a whole number, from 0 to 10,000.')
    .transform(Number)
    .refine((n) => n <= MAX_STOCK, 'You can list at most 10,000 copies.'),
});

export type BookInput = z.output<typeof bookSchema>;

/** The repo's field names from a parsed form. */
export function toFields(input: BookInput) {
  return {
    title: input.title,
    author: input.author,
    isbn: input.isbn,
    description: input.description,
    condition: input.condition,
    priceCents: input.price,
    stock: input.stock,
  };
}
