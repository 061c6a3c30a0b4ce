// The countries the shop ships to: shared by the address forms of accounts (the address book) and
// orders (checkout), like money.ts. Their names come from Intl.DisplayNames in the reader's language.

/**
 * The countries the shop ships to, with their postal code pattern where we know it. Where postal
 * codes exist but are rarely used on parcels (Colombia, Peru, Ecuador), the code may stay empty;
 * where carriers require one, it must be given and match.
 */
export interface CountryRules {
  postal: RegExp;
  required: boolean;
  example: string;
}

// A Map, not an object: the code comes from the user, and an object answers `constructor`,
// `__proto__` or `toString` with what its prototype holds.
export const COUNTRIES: ReadonlyMap<string, CountryRules> = new Map([
  ['CO', { postal: /^\d{6}$/, required: false, example: '110111' }],
  ['AR', { postal: /^([A-Z]\d{4}[A-Z]{3}|\d{4})$/, required: true, example: 'C1425' }],
  ['CL', { postal: /^\d{7}$/, required: true, example: '8320000' }],
  ['EC', { postal: /^\d{6}$/, required: false, example: '170150' }],
  ['ES', { postal: /^(0[1-9]|[1-4]\d|5[0-2])\d{3}$/, required: true, example: '28013' }],
  ['MX', { postal: /^\d{5}$/, required: true, example: '06600' }],
  ['PE', { postal: /^\d{5}$/, required: false, example: '15001' }],
  ['US', { postal: /^\d{5}(-\d{4})?$/, required: true, example: '10001' }],
  ['CA', { postal: /^[A-Z]\d[A-Z] ?\d[A-Z]\d$/, required: true, example: 'K1A 0B1' }],
]);
export const COUNTRY_CODES = [...COUNTRIES.keys()];

