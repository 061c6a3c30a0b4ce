// How a book is shown: prices, condition labels and cover URLs, for pages and the API alike.
import type { Book, BookSummary } from './catalog.repo.js';
import { CONDITION_LABELS } from './catalog.schema.js';
import { coverUrls } from './covers.js';
import { formatMoney, moneyInput } from '../money.js';

/** Shown as stored: correct hyphenation depends on registration ranges we do not ship. */
export function formatIsbn(isbn: string | null): string {
  return isbn ?? '';
}

export type BookCard = Book & { price: string; conditionLabel: string; thumbUrl: string; coverUrl: string; isbnText: string };

/** A card in a grid (catalog, home page): just what the card and its buy form show. */
export type SummaryCard = BookSummary & { conditionLabel: string; thumbUrl: string };

export function presentCard(book: BookSummary): SummaryCard {
  return { ...book, conditionLabel: CONDITION_LABELS[book.condition], thumbUrl: coverUrls(book.coverKey).thumb };
}

export function present(book: Book): BookCard {
  const urls = coverUrls(book.coverKey);
  return {
    ...book,
    price: formatMoney(book.priceCents),
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
    price: moneyInput(book.priceCents),
    priceCents: book.priceCents,
    stock: book.stock,
    listed: book.listed,
    seller: { id: book.sellerId, name: book.sellerName },
    cover: book.coverKey ? { large: urls.large, thumb: urls.thumb } : null,
    createdAt: book.createdAt.toISOString(),
    updatedAt: book.updatedAt.toISOString(),
  };
}
