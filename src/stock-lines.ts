// Lines of books and quantities in the one form the stock contract uses: one line per book, in book
// id order (the order catalog locks the rows in, so two reservations never wait on each other).
// Orders put a purchase's lines in this form; catalog does the same with whatever it is sent.
import type { StockLine } from './catalog/catalog.port.js';

export function mergeLines(lines: readonly StockLine[]): StockLine[] {
  const byBook = new Map<number, number>();
  for (const l of lines) byBook.set(l.bookId, (byBook.get(l.bookId) ?? 0) + l.quantity);
  return [...byBook.entries()].sort((a, b) => a[0] - b[0]).map(([bookId, quantity]) => ({ bookId, quantity }));
}
