// SQL for books only. Every function takes the connection first so it works inside a transaction.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';

export const CONDITIONS = ['as_new', 'fine', 'very_good', 'good', 'fair', 'poor'] as const;
export type Condition = (typeof CONDITIONS)[number];
export type Sort = 'newest' | 'price_asc' | 'price_desc' | 'title';

/** What a seller types about a book. */
export interface BookFields {
  title: string;
  author: string;
  isbn: string | null;
  description: string;
  condition: Condition;
  priceCents: number;
  stock: number;
}

export interface Book extends BookFields {
  id: number;
  sellerId: number;
  sellerName: string;
  listed: boolean;
  coverKey: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What a book card shows (catalog grid, home page) and what a cart or checkout needs of a book. */
export type BookSummary = Pick<Book, 'id' | 'sellerId' | 'sellerName' | 'title' | 'author' | 'condition' | 'priceCents' | 'stock' | 'listed' | 'coverKey'>;

/** What a list query may filter on; `text` is already split by the service into SQL-ready parts. */
export interface BookFilter {
  sellerId?: number;
  includeUnlisted?: boolean;
  isbns?: string[];
  fulltext?: string; // a BOOLEAN MODE expression made only of letters, digits, + and *
  prefix?: string; // title or author starts with this (for words shorter than the FULLTEXT minimum)
  contains?: string[]; // extra short words that must appear in the title or author
  condition?: Condition;
  minCents?: number;
  maxCents?: number;
  inStock?: boolean;
}

// seller_name is the account's name copied when the book was listed: catalog never reads users.
const COLUMNS = `b.id, b.seller_id, b.seller_name, b.title, b.author, b.isbn, b.description, b.book_condition,
  b.price_cents, b.stock, b.listed, b.cover_key, b.created_at, b.updated_at`;

// A card's columns only: no description and no dates to read, parse and carry for 24 cards a page.
const SUMMARY_COLUMNS = 'b.id, b.seller_id, b.seller_name, b.title, b.author, b.book_condition, b.price_cents, b.stock, b.listed, b.cover_key';

function toSummary(row: RowDataPacket): BookSummary {
  return {
    id: row.id as number,
    sellerId: row.seller_id as number,
    sellerName: row.seller_name as string,
    title: row.title as string,
    author: row.author as string,
    condition: row.book_condition as Condition,
    priceCents: row.price_cents as number,
    stock: row.stock as number,
    listed: row.listed === 1,
    coverKey: (row.cover_key as string | null) ?? null,
  };
}

function toBook(row: RowDataPacket): Book {
  return {
    ...toSummary(row),
    isbn: (row.isbn as string | null) ?? null,
    description: row.description as string,
    createdAt: row.created_at as Date,
    updatedAt: row.updated_at as Date,
  };
}

const ORDER: Record<Sort, string> = {
  newest: 'created_at DESC, id DESC',
  price_asc: 'price_cents ASC, id ASC',
  price_desc: 'price_cents DESC, id DESC',
  title: 'title ASC, id ASC',
};

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function where(filter: BookFilter): { sql: string; params: (string | number)[] } {
  const parts: string[] = [];
  const params: (string | number)[] = [];
  if (!filter.includeUnlisted) parts.push('listed = 1');
  if (filter.sellerId !== undefined) {
    parts.push('seller_id = ?');
    params.push(filter.sellerId);
  }
  if (filter.isbns?.length) {
    parts.push(`isbn IN (${filter.isbns.map(() => '?').join(', ')})`);
    params.push(...filter.isbns);
  }
  if (filter.fulltext) {
    parts.push('MATCH (title, author, description) AGAINST (? IN BOOLEAN MODE)');
    params.push(filter.fulltext);
  }
  if (filter.prefix) {
    parts.push("(title LIKE ? ESCAPE '\\\\' OR author LIKE ? ESCAPE '\\\\')");
    params.push(`${escapeLike(filter.prefix)}%`, `${escapeLike(filter.prefix)}%`);
  }
  for (const word of filter.contains ?? []) {
    parts.push("CONCAT_WS(' ', title, author) LIKE ? ESCAPE '\\\\'");
    params.push(`%${escapeLike(word)}%`);
  }
  if (filter.condition) {
    parts.push('book_condition = ?');
    params.push(filter.condition);
  }
  if (filter.minCents !== undefined) {
    parts.push('price_cents >= ?');
    params.push(filter.minCents);
  }
  if (filter.maxCents !== undefined) {
    parts.push('price_cents <= ?');
    params.push(filter.maxCents);
  }
  if (filter.inStock) parts.push('stock > 0');
  return { sql: parts.length ? `WHERE ${parts.join(' AND ')}` : '', params };
}

/** Where a row sits in a sort order: the sort column's value and the id that breaks ties. */
export interface SortKey {
  value: Date | number | string;
  id: number;
}

const SORT_COLUMN: Record<Sort, 'created_at' | 'price_cents' | 'title'> = {
  newest: 'created_at',
  price_asc: 'price_cents',
  price_desc: 'price_cents',
  title: 'title',
};

// Rows strictly after a key in each order, written so the index range starts at the key.
const AFTER: Record<Sort, string> = {
  newest: 'created_at <= ? AND (created_at < ? OR id < ?)',
  price_asc: 'price_cents >= ? AND (price_cents > ? OR id > ?)',
  price_desc: 'price_cents <= ? AND (price_cents < ? OR id < ?)',
  title: 'title >= ? AND (title > ? OR id > ?)',
};

/**
 * The ids (and sort keys) of one page plus look-ahead rows, so the caller knows whether more
 * pages follow. Only indexed columns are read. With `after`, the page starts after that key
 * (keyset pagination: no rows are skipped); otherwise `offset` rows are skipped in the index.
 */
export async function findBookKeys(db: Db, filter: BookFilter, sort: Sort, limit: number, offset: number, after?: SortKey): Promise<SortKey[]> {
  const { sql, params } = where(filter);
  const column = SORT_COLUMN[sort];
  let condition = sql;
  const values: (string | number | Date)[] = [...params];
  if (after) {
    condition = (sql ? sql + ' AND ' : 'WHERE ') + AFTER[sort];
    values.push(after.value, after.value, after.id);
  }
  // LIMIT values go as strings: mysql2's execute() with numbers fails on MySQL 8.0.22+.
  const [rows] = await db.execute<RowDataPacket[]>(
    'SELECT id, ' + column + ' AS sort_value FROM books ' + condition + ' ORDER BY ' + ORDER[sort] + ' LIMIT ? OFFSET ?',
    [...values, String(limit), String(after ? 0 : offset)],
  );
  return rows.map((r) => ({ id: r.id as number, value: r.sort_value as Date | number | string }));
}

export async function findBookIds(db: Db, filter: BookFilter, sort: Sort, limit: number, offset: number): Promise<number[]> {
  return (await findBookKeys(db, filter, sort, limit, offset)).map((k) => k.id);
}

/** The books with these ids, in the order of the ids. */
export function findBooksByIds(db: Db, ids: number[]): Promise<Book[]> {
  return findByIds(db, ids, COLUMNS, toBook);
}

/** Cards for these books, in the order of `ids` (missing ones left out). */
export function findSummariesByIds(db: Db, ids: number[]): Promise<BookSummary[]> {
  return findByIds(db, ids, SUMMARY_COLUMNS, toSummary);
}

async function findByIds<T extends { id: number }>(db: Db, ids: number[], columns: string, map: (row: RowDataPacket) => T): Promise<T[]> {
  if (ids.length === 0) return [];
  const [rows] = await db.execute<RowDataPacket[]>('SELECT ' + columns + ' FROM books b WHERE b.id IN (' + ids.map(() => '?').join(', ') + ')', ids);
  const byId = new Map(rows.map((r) => [r.id as number, map(r)]));
  return ids.map((id) => byId.get(id)).filter((b): b is T => b !== undefined);
}

export async function findBook(db: Db, id: number): Promise<Book | null> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT ' + COLUMNS + ' FROM books b WHERE b.id = ?', [id]);
  return rows[0] ? toBook(rows[0]) : null;
}

/** The row locked for an owner's change (inside the service's transaction). */
export async function lockBook(db: Db, id: number): Promise<{ sellerId: number; coverKey: string | null } | null> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT seller_id, cover_key FROM books WHERE id = ? FOR UPDATE', [id]);
  const row = rows[0];
  return row ? { sellerId: row.seller_id as number, coverKey: (row.cover_key as string | null) ?? null } : null;
}

/** Books the seller listed since the given time (uses idx_books_seller). */
export async function countBooksListedSince(db: Db, sellerId: number, since: Date): Promise<number> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM books WHERE seller_id = ? AND created_at >= ?', [sellerId, since]);
  return Number(rows[0]?.n ?? 0);
}

export async function insertBook(db: Db, seller: { id: number; name: string }, book: BookFields, coverKey: string | null): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT INTO books (seller_id, seller_name, title, author, isbn, description, book_condition, price_cents, stock, cover_key)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [seller.id, seller.name, book.title, book.author, book.isbn, book.description, book.condition, book.priceCents, book.stock, coverKey],
  );
  return result.insertId;
}

export async function updateBook(db: Db, id: number, book: BookFields, coverKey: string | null): Promise<void> {
  await db.execute(
    `UPDATE books SET title = ?, author = ?, isbn = ?, description = ?, book_condition = ?, price_cents = ?, stock = ?, cover_key = ?
     WHERE id = ?`,
    [book.title, book.author, book.isbn, book.description, book.condition, book.priceCents, book.stock, coverKey, id],
  );
}

export async function deleteBook(db: Db, id: number): Promise<void> {
  await db.execute('DELETE FROM books WHERE id = ?', [id]);
}

export async function unlistBook(db: Db, id: number): Promise<void> {
  await db.execute('UPDATE books SET listed = 0 WHERE id = ?', [id]);
}
