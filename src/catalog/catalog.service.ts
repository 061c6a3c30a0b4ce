// Catalog rules: who sees which book, who may change it, how a search becomes a query,
// and how covers follow their book. Other features reach books only through catalog.port.ts
// (booksForSale, reserve, commit, release: see reservations.service.ts), never through this module.
import { withTransaction, type Db, type Pool } from '../db/pool.js';
import { Forbidden, NotFound, TooManyRequests } from '../http/errors.js';
import * as repo from './catalog.repo.js';
import * as reservationsRepo from './reservations.repo.js';
import type { Book, BookFilter, BookSummary, Condition, Sort, SortKey } from './catalog.repo.js';
import type { AccountsPort } from '../accounts/accounts.port.js';
import type { BookForSale } from './catalog.port.js';
import { isbnForms, isValidIsbn, normaliseIsbn, toFields, type BookInput } from './catalog.schema.js';
import { removeCover, storeCover, type EncodedCover } from './covers.js';
import { LruMap } from '../lru-map.js';

export type { Book, BookSummary, Condition, Sort };

export const PER_PAGE = 24;
/** How many pages past the current one the page query looks ahead (a bounded count, not COUNT(*)). */
const LOOKAHEAD_PAGES = 10;

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

export interface CatalogPage<B extends BookSummary = BookSummary> {
  books: B[];
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

/** What a page query found: the ids on the page and the rows seen from its first (the look-ahead). */
interface PageIndex {
  ids: number[];
  rows: number;
}

/**
 * Where deep pages start, learnt from earlier page queries: page N of a given search and sort
 * begins after the key of the last row of page N-1. A page whose start is known is read with a
 * keyset query (no OFFSET scan), so page 400 costs what page 1 costs once anyone has been near
 * it. Entries live for a short while, so a cached start lags new listings by at most that long.
 * It also keeps, for two seconds, which books each page showed and how many rows followed, so a
 * busy page reads only its 24 rows by primary key in between.
 * One cache per app instance; losing it only makes the next deep page a little slower.
 */
export class PageStarts {
  private readonly entries: LruMap<string, { key: SortKey; at: number }>;
  private readonly pages: LruMap<string, PageIndex & { at: number }>;
  constructor(
    private readonly ttlMs = 30_000,
    maxEntries = 5_000,
    /** How long which books a page shows, and the count after it, are reused (the books' rows never are). */
    private readonly pageTtlMs = 2_000,
  ) {
    this.entries = new LruMap(maxEntries);
    this.pages = new LruMap(maxEntries);
  }

  get(scope: string, page: number, now = Date.now()): SortKey | undefined {
    const entry = this.entries.get(`${scope}#${page}`);
    if (!entry || now - entry.at > this.ttlMs) return undefined;
    return entry.key;
  }

  set(scope: string, page: number, key: SortKey, now = Date.now()): void {
    this.entries.set(`${scope}#${page}`, { key, at: now });
  }

  /** Which books this page showed and how many rows the look-ahead saw from its first, if recent. */
  page(scope: string, page: number, now = Date.now()): PageIndex | undefined {
    const entry = this.pages.get(`${scope}#${page}`);
    if (!entry || now - entry.at > this.pageTtlMs) return undefined;
    return entry;
  }

  setPage(scope: string, page: number, index: PageIndex, now = Date.now()): void {
    this.pages.set(`${scope}#${page}`, { ...index, at: now });
  }
}

/** Reads the rows of a page's books, in the order given: whole books or just their cards. */
type Load<B extends BookSummary> = (db: Db, ids: number[]) => Promise<B[]>;

async function listPage<B extends BookSummary>(
  db: Db,
  load: Load<B>,
  filter: BookFilter,
  sort: Sort,
  page: number,
  starts?: PageStarts,
  perPage = PER_PAGE,
): Promise<CatalogPage<B>> {
  const offset = (page - 1) * perPage;
  const want = perPage * (LOOKAHEAD_PAGES + 1) + 1;
  const scope = JSON.stringify([filter, sort]);
  const start = page > 1 ? starts?.get(scope, page) : undefined;
  let keys: SortKey[];
  // Under load a page's ids and the look-ahead count after it (ten pages of keys, or a FULLTEXT
  // search) are worked out at most once every couple of seconds; in between the page reads only its
  // books' rows by primary key, so stock, prices and "Sold out" are always current.
  const known = starts?.page(scope, page);
  if (known) {
    const books = await load(db, known.ids);
    const shown = filter.includeUnlisted ? books : books.filter((b) => b.listed);
    return pageOf(shown, page, perPage, offset, known.rows, want);
  }
  if (start) {
    keys = await repo.findBookKeys(db, filter, sort, want, 0, start);
  } else if (offset > 0 && starts) {
    // One row earlier than the page: its key is where this page starts.
    const rows = await repo.findBookKeys(db, filter, sort, want + 1, offset - 1);
    if (rows[0]) starts.set(scope, page, rows[0]);
    keys = rows.slice(1);
  } else {
    keys = await repo.findBookKeys(db, filter, sort, want, offset);
  }
  // Remember where the following pages start (the look-ahead rows tell us).
  for (let p = 1; starts && p <= LOOKAHEAD_PAGES && p * perPage <= keys.length; p++) {
    const last = keys[p * perPage - 1];
    if (last && keys.length > p * perPage) starts.set(scope, page + p, last);
  }
  const ids = keys.slice(0, perPage).map((k) => k.id);
  starts?.setPage(scope, page, { ids, rows: keys.length });
  const books = await load(db, ids);
  return pageOf(books, page, perPage, offset, keys.length, want);
}

/** The page's figures from how many rows were seen from its first one (at most `want`). */
function pageOf<B extends BookSummary>(books: B[], page: number, perPage: number, offset: number, rows: number, want: number): CatalogPage<B> {
  const reachedEnd = rows < want;
  const seen = offset + rows;
  return {
    books,
    page,
    total: reachedEnd ? seen : null,
    atLeast: seen,
    hasNext: rows > perPage,
    lastPage: reachedEnd ? Math.max(1, Math.ceil(seen / perPage)) : null,
  };
}

/** One page of the public catalog: listed books only. */
export function listCatalog(db: Db, query: CatalogQuery, starts?: PageStarts): Promise<CatalogPage> {
  const filter: BookFilter = {
    ...searchFilter(query.q),
    condition: query.condition,
    minCents: query.minCents,
    maxCents: query.maxCents,
    inStock: query.inStock,
  };
  return listPage(db, repo.findSummariesByIds, filter, query.sort, query.page, starts);
}

/** The seller's own books, sold-out and unlisted ones included. */
export function listSellerBooks(db: Db, sellerId: number, page: number): Promise<CatalogPage<Book>> {
  return listPage(db, repo.findBooksByIds, { sellerId, includeUnlisted: true }, 'newest', page);
}

export async function recentBooks(db: Db, count = 8): Promise<BookSummary[]> {
  return repo.findSummariesByIds(db, await repo.findBookIds(db, { inStock: true }, 'newest', count, 0));
}

/** Any book by id, listed or not (the books API answers with it after a change). */
export function getBook(db: Db, id: number): Promise<Book | null> {
  return repo.findBook(db, id);
}

/** CatalogPort.booksForSale: what a cart or a checkout needs of these books, listed or not. */
export async function booksForSale(db: Db, ids: number[]): Promise<BookForSale[]> {
  const books = await repo.findSummariesByIds(db, [...new Set(ids)]);
  return books.map((b) => ({
    id: b.id,
    title: b.title,
    author: b.author,
    priceCents: b.priceCents,
    stock: b.stock,
    sellerId: b.sellerId,
    sellerName: b.sellerName,
    coverKey: b.coverKey,
    listed: b.listed,
  }));
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

/**
 * Lists a new book. A seller may list at most `listingsPerDay` books in 24 hours, which keeps a
 * stolen or scripted account from flooding the catalog and the upload volume. (Two requests at the
 * same instant may both pass the count: a soft cap is all this needs.) The seller's name is copied
 * from accounts onto the listing, so showing it never needs accounts (names never change).
 */
export async function addBook(
  pool: Pool,
  accounts: AccountsPort,
  uploadDir: string,
  sellerId: number,
  input: BookInput,
  cover: EncodedCover | null,
  listingsPerDay: number,
): Promise<number> {
  const since = new Date(Date.now() - 24 * 3_600_000);
  if ((await repo.countBooksListedSince(pool, sellerId, since)) >= listingsPerDay) {
    throw new TooManyRequests('You have listed {count} books in the last 24 hours, the most we allow. Please try again tomorrow.', 3600, { count: listingsPerDay });
  }
  const [seller] = await accounts.usersByIds([sellerId]);
  if (!seller) throw new Error(`account ${sellerId} is unknown to accounts`);
  const coverKey = cover ? await storeCover(uploadDir, cover) : null;
  try {
    return await repo.insertBook(pool, seller, toFields(input), coverKey);
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

/**
 * Deletes the book, or unlists it when it was ever reserved, so order history and its links stay
 * whole: every purchase line was a reservation here first, and reservations are never deleted. The
 * same answer in every deployment, from catalog's own table. Checked with the book's row locked: a
 * reservation takes stock by updating that row, so none can slip in between.
 */
export async function removeBook(pool: Pool, uploadDir: string, id: number, userId: number): Promise<'deleted' | 'unlisted'> {
  const { outcome, coverKey } = await withTransaction(pool, async (conn) => {
    const row = await lockOwn(conn, id, userId);
    if (await reservationsRepo.wasEverReserved(conn, id)) {
      await repo.unlistBook(conn, id);
      return { outcome: 'unlisted' as const, coverKey: null };
    }
    await repo.deleteBook(conn, id);
    return { outcome: 'deleted' as const, coverKey: row.coverKey };
  });
  await removeCover(uploadDir, coverKey);
  return outcome;
}
