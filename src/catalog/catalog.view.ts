// How a book is shown: prices, condition labels and cover URLs, for pages and the API alike.
import type { Book } from './catalog.repo.js';
import { CONDITION_LABELS } from './catalog.schema.js';
import { coverUrls } from './covers.js';

const dollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });

export function formatPrice(cents: number): string {
  return dollars.format(cents / 100);
}

/** "12.50" for a form field. */
export function priceInput(cents: number): string {
  return `${Math.floor(cents / 100)}.${String(cents % 100).padStart(2, '0')}`;
}

/** Shown as stored: correct hyphenation depends on registration ranges we do not ship. */
export function formatIsbn(isbn: string | null): string {
  return isbn ?? '';
}

export type BookCard = Book & { price: string; conditionLabel: string; thumbUrl: string; coverUrl: string; isbnText: string };

export function present(book: Book): BookCard {
  const urls = coverUrls(book.coverKey);
  return {
    ...book,
    price: formatPrice(book.priceCents),
    conditionLabel: CONDITION_LABELS[book.condition],
    thumbUrl: urls.thumb,
    coverUrl: urls.large,
    isbnText: formatIsbn(book.isbn),
  };
}

/** The API's JSON shape of a book. */
export function toJson(book: Book) {
  const urls = coverUrls(book.coverKey);
  return {
    id: book.id,
    title: book.title,
    author: book.author,
    isbn: book.isbn,
    description: book.description,
    condition: book.condition,
    price: priceInput(book.priceCents),
    priceCents: book.priceCents,
    stock: book.stock,
    listed: book.listed,
    seller: { id: book.sellerId, name: book.sellerName },
    cover: book.coverKey ? { large: urls.large, thumb: urls.thumb } : null,
    createdAt: book.createdAt.toISOString(),
    updatedAt: book.updatedAt.toISOString(),
  };
}
