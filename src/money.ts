// Money is integer cents everywhere; this is the one place that turns it into text and back.
// Callers check the range they allow (a book's price, a delivery cost, a search filter).

/** Integer cents as "$1,234.50" (the only way money is shown). */
export function formatMoney(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  const abs = Math.abs(Math.trunc(cents));
  const dollars = Math.floor(abs / 100).toLocaleString('en-US');
  return `${sign}$${dollars}.${String(abs % 100).padStart(2, '0')}`;
}

/** "1234.50" for a form field (no sign, no grouping). */
export function moneyInput(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/**
 * "12.50", "12.5", "12", "$12.50" or, as Spanish writes it, "12,50" as cents (up to 9 digits of
 * dollars); null when it is not an amount. A comma followed by one or two digits can only be a
 * decimal comma (a thousands comma has three), so both languages' way is read the same everywhere.
 */
export function parseMoney(text: string): number | null {
  const match = /^\$?\s*(\d{1,9})(?:[.,](\d{1,2}))?$/.exec(text.trim());
  if (!match) return null;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
}
