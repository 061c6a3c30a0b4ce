// The cart, kept in the database per user: which books and how many. SQL only here; what the
// books are (title, price, stock) comes from catalog's port when the cart is shown.
import type { Db, RowDataPacket } from '../db/pool.js';

export const MAX_CART_QUANTITY = 100;

export interface CartItem {
  bookId: number;
  quantity: number;
}

export async function listCart(db: Db, userId: number): Promise<CartItem[]> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT book_id, quantity FROM cart_items WHERE user_id = ? ORDER BY added_at, book_id', [userId]);
  return rows.map((r) => ({ bookId: r.book_id as number, quantity: r.quantity as number }));
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

export async function removeFromCart(db: Db, userId: number, bookIds: number[]): Promise<void> {
  if (bookIds.length === 0) return;
  await db.execute('DELETE FROM cart_items WHERE user_id = ? AND book_id IN (' + bookIds.map(() => '?').join(', ') + ')', [userId, ...bookIds]);
}
