// Catalog's lists: the public catalog (search, filters, sorting) and a seller's own books, a page
// at a time without counting the whole table (a bounded look-ahead and remembered page starts), and
// the home page's newest books. Reads only; the writes are in catalog.service.ts.
import { type Db } from '../db/pool.js';
import * as repo from './catalog.repo.js';
import type { Book, BookFilter, BookSummary, Condition, Sort, SortKey } from './catalog.repo.js';
import { isbnForms, isValidIsbn, normaliseIsbn } from './catalog.schema.js';
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
