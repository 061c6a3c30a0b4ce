// Catalog rules for single books: who sees which book, who may change it, and how covers follow
// their book. Other features reach books only through catalog.port.ts (booksForSale, reserve,
// commit, release: see reservations.service.ts), never through this module. Lists: catalog.pages.ts.
import { withTransaction, type Db, type Pool } from '../db/pool.js';
import { Forbidden, NotFound, TooManyRequests } from '../http/errors.js';
import * as repo from './catalog.repo.js';
import * as sellerStats from './seller-stats.repo.js';
import * as reservationsRepo from './reservations.repo.js';
import type { Book, BookSummary, Condition, Sort } from './catalog.repo.js';
import type { AccountsPort } from '../accounts/accounts.port.js';
import type { BookForSale } from './catalog.port.js';
import { toFields, type BookInput } from './catalog.schema.js';
import { removeCover, storeCover, type EncodedCover } from './covers.js';

export type { Book, BookSummary, Condition, Sort };

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

/** A seller's record as orders last published it (null: nothing published yet). */
export const sellerStatsOf = sellerStats.findSellerStats;
