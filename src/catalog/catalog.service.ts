// Catalog rules: who sees which book, who may change it, how a search becomes a query,
// and how covers follow their book. Other features (orders) look books up through getBook.
import { withTransaction, type Db, type Pool } from '../db/pool.js';
import { Forbidden, NotFound } from '../http/errors.js';
import * as repo from './catalog.repo.js';
import type { Book, BookFilter, Condition, Sort } from './catalog.repo.js';
import { isbnForms, isValidIsbn, normaliseIsbn, toFields, type BookInput } from './catalog.schema.js';
import { removeCover, storeCover, type EncodedCover } from './covers.js';

export type { Book, Condition, Sort };

export const PER_PAGE = 24;
/** How many pages past the current one the page query looks ahead (a bounded count, not COUNT(*)). */
const LOOKAHEAD_PAGES = 10;
const ROW_IS_REFERENCED = 1451; // a foreign key (an order line) still points at the book

// InnoDB's default FULLTEXT stop words and its minimum token size (innodb_ft_min_token_size = 3):
// such words are not in the index, so they are matched with LIKE instead.
const STOPWORDS = new Set('a about an are as at be by com de en for from how i in is it la of on or that the this to was what when where who will with und www'.split(' '));
const MIN_TOKEN = 3;

export interface CatalogQuery {
  q: string;
  condition?: Condition;
  minCents?: number;
  maxCents?: number;
  inStock: boolean;
  sort: Sort;
  page: number;
}

export interface CatalogPage {
  books: Book[];
  page: number;
  /** Exact when the look-ahead reached the end; otherwise null and `atLeast` is a lower bound. */
  total: number | null;
  atLeast: number;
  hasNext: boolean;
  lastPage: number | null;
}

/** Turns the search box into index-friendly conditions: exact ISBN, FULLTEXT words, or a prefix. */
export function searchFilter(q: string): Pick<BookFilter, 'isbns' | 'fulltext' | 'prefix' | 'contains'> {
  const text = q.trim().slice(0, 200);
  if (!text) return {};
  const isbn = normaliseIsbn(text);
  if (isValidIsbn(isbn)) return { isbns: isbnForms(isbn) };
  const words = (text.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 10);
  const indexed = words.filter((w) => w.length >= MIN_TOKEN && !STOPWORDS.has(w));
  const short = words.filter((w) => w.length < MIN_TOKEN && !STOPWORDS.has(w));
  if (indexed.length) {
    // Every indexed word is required; the last may be the start of a word still being typed.
    return { fulltext: indexed.map((w, i) => (i === indexed.length - 1 ? `+${w}*` : `+${w}`)).join(' '), contains: short };
  }
  // Only short words or stop words: titles or authors that start with what was typed.
  return { prefix: text };
}

async function listPage(db: Db, filter: BookFilter, sort: Sort, page: number, perPage = PER_PAGE): Promise<CatalogPage> {
  const offset = (page - 1) * perPage;
  const ids = await repo.findBookIds(db, filter, sort, perPage * (LOOKAHEAD_PAGES + 1) + 1, offset);
  const books = await repo.findBooksByIds(db, ids.slice(0, perPage));
  const reachedEnd = ids.length <= perPage * (LOOKAHEAD_PAGES + 1);
  const seen = offset + ids.length;
  return {
    books,
    page,
    total: reachedEnd ? seen : null,
    atLeast: seen,
    hasNext: ids.length > perPage,
    lastPage: reachedEnd ? Math.max(1, Math.ceil(seen / perPage)) : null,
  };
}

/** One page of the public catalog: listed books only. */
export function listCatalog(db: Db, query: CatalogQuery): Promise<CatalogPage> {
  const filter: BookFilter = {
    ...searchFilter(query.q),
    condition: query.condition,
    minCents: query.minCents,
    maxCents: query.maxCents,
    inStock: query.inStock,
  };
  return listPage(db, filter, query.sort, query.page);
}

/** The seller's own books, sold-out and unlisted ones included. */
export function listSellerBooks(db: Db, sellerId: number, page: number): Promise<CatalogPage> {
  return listPage(db, { sellerId, includeUnlisted: true }, 'newest', page);
}

export async function recentBooks(db: Db, count = 8): Promise<Book[]> {
  return repo.findBooksByIds(db, await repo.findBookIds(db, { inStock: true }, 'newest', count, 0));
}

/** Any book by id, listed or not (for other features: orders read price and stock from here). */
export function getBook(db: Db, id: number): Promise<Book | null> {
  return repo.findBook(db, id);
}

/** A book as a visitor may see it: unlisted books exist only for their seller. */
export async function getVisibleBook(db: Db, id: number, viewerId: number | null): Promise<Book> {
  const book = await repo.findBook(db, id);
  if (!book || (!book.listed && book.sellerId !== viewerId)) throw new NotFound('This book is not in the catalog.');
  return book;
}

/** A book its seller is about to change; anyone else is refused. */
export async function getOwnBook(db: Db, id: number, userId: number): Promise<Book> {
  const book = await repo.findBook(db, id);
  if (!book) throw new NotFound('This book is not in the catalog.');
  if (book.sellerId !== userId) throw new Forbidden('Only the seller of this book can change it.');
  return book;
}

async function lockOwn(db: Db, id: number, userId: number) {
  const row = await repo.lockBook(db, id);
  if (!row) throw new NotFound('This book is not in the catalog.');
  if (row.sellerId !== userId) throw new Forbidden('Only the seller of this book can change it.');
  return row;
}

export async function addBook(pool: Pool, uploadDir: string, sellerId: number, input: BookInput, cover: EncodedCover | null): Promise<number> {
  const coverKey = cover ? await storeCover(uploadDir, cover) : null;
  try {
    return await repo.insertBook(pool, sellerId, toFields(input), coverKey);
  } catch (err) {
    await removeCover(uploadDir, coverKey);
    throw err;
  }
}

export interface CoverChange {
  cover: EncodedCover | null;
  removeCover: boolean;
}

export async function editBook(pool: Pool, uploadDir: string, id: number, userId: number, input: BookInput, change: CoverChange): Promise<void> {
  let newKey: string | null = null;
  try {
    const oldKey = await withTransaction(pool, async (conn) => {
      const row = await lockOwn(conn, id, userId);
      if (change.cover) newKey ??= await storeCover(uploadDir, change.cover);
      const key = change.cover ? newKey : change.removeCover ? null : row.coverKey;
      await repo.updateBook(conn, id, toFields(input), key);
      return key === row.coverKey ? null : row.coverKey;
    });
    await removeCover(uploadDir, oldKey);
  } catch (err) {
    await removeCover(uploadDir, newKey);
    throw err;
  }
}

/** Deletes the book, or unlists it when an order refers to it so order history stays whole. */
export async function removeBook(pool: Pool, uploadDir: string, id: number, userId: number): Promise<'deleted' | 'unlisted'> {
  const { outcome, coverKey } = await withTransaction(pool, async (conn) => {
    const row = await lockOwn(conn, id, userId);
    try {
      await repo.deleteBook(conn, id);
      return { outcome: 'deleted' as const, coverKey: row.coverKey };
    } catch (err) {
      if ((err as { errno?: number }).errno !== ROW_IS_REFERENCED) throw err;
      await repo.unlistBook(conn, id);
      return { outcome: 'unlisted' as const, coverKey: null };
    }
  });
  await removeCover(uploadDir, coverKey);
  return outcome;
}
