// The cart, kept in the database per user. SQL only here.
import type { Db, RowDataPacket } from '../db/pool.js';

export const MAX_CART_QUANTITY = 100;

export interface CartLine {
  bookId: number;
  quantity: number;
  title: string;
  author: string;
  sellerId: number;
  priceCents: number;
  stock: number;
  listed: boolean;
  coverKey: string | null;
}

function toLine(row: RowDataPacket): CartLine {
  return {
    bookId: row.book_id as number,
    quantity: row.quantity as number,
    title: row.title as string,
    author: row.author as string,
    sellerId: row.seller_id as number,
    priceCents: row.price_cents as number,
    stock: row.stock as number,
    listed: Boolean(row.listed),
    coverKey: row.cover_key as string | null,
  };
}

export async function listCart(db: Db, userId: number): Promise<CartLine[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT c.book_id, c.quantity, b.title, b.author, b.seller_id, b.price_cents, b.stock, b.listed, b.cover_key
       FROM cart_items c JOIN books b ON b.id = c.book_id WHERE c.user_id = ? ORDER BY c.added_at, c.book_id`,
    [userId],
  );
  return rows.map(toLine);
}

/** Adds copies to the cart (or more copies of a book already in it), capped. */
export async function addToCart(db: Db, userId: number, bookId: number, quantity: number): Promise<void> {
  await db.execute(
    'INSERT INTO cart_items (user_id, book_id, quantity) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE quantity = LEAST(quantity + ?, ?)',
    [userId, bookId, quantity, quantity, MAX_CART_QUANTITY],
  );
}

export async function setCartQuantity(db: Db, userId: number, bookId: number, quantity: number): Promise<void> {
  await db.execute('UPDATE cart_items SET quantity = ? WHERE user_id = ? AND book_id = ?', [quantity, userId, bookId]);
}

export async function removeFromCart(db: Db, userId: number, bookId: number): Promise<void> {
  await db.execute('DELETE FROM cart_items WHERE user_id = ? AND book_id = ?', [userId, bookId]);
}
