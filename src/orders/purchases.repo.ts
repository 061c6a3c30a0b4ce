// Purchases, their line items and the stock they take. SQL only here.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';

export type PurchaseStatus = 'pending_payment' | 'paid' | 'cancelled';

export interface Purchase {
  id: number;
  buyerId: number;
  checkoutToken: string | null;
  status: PurchaseStatus;
  itemsCents: number;
  shippingCents: number;
  totalCents: number;
  expiresAt: Date;
  paidAt: Date | null;
  cancelledAt: Date | null;
  cancelReason: string | null;
  createdAt: Date;
}

export interface PurchaseItem {
  id: number;
  purchaseId: number;
  bookId: number;
  sellerId: number;
  title: string;
  author: string;
  quantity: number;
  unitPriceCents: number;
  shippedAt: Date | null;
}

export interface BookForSale {
  id: number;
  sellerId: number;
  title: string;
  author: string;
  priceCents: number;
  stock: number;
  listed: boolean;
  coverKey: string | null;
}

const PURCHASE_COLUMNS =
  'id, buyer_id, checkout_token, status, items_cents, shipping_cents, total_cents, expires_at, paid_at, cancelled_at, cancel_reason, created_at';
const PURCHASE_COLUMNS_P =
  'p.id, p.buyer_id, p.checkout_token, p.status, p.items_cents, p.shipping_cents, p.total_cents, p.expires_at, p.paid_at, p.cancelled_at, p.cancel_reason, p.created_at';

function toPurchase(row: RowDataPacket): Purchase {
  return {
    id: row.id as number,
    buyerId: row.buyer_id as number,
    checkoutToken: row.checkout_token as string | null,
    status: row.status as PurchaseStatus,
    itemsCents: row.items_cents as number,
    shippingCents: row.shipping_cents as number,
    totalCents: row.total_cents as number,
    expiresAt: row.expires_at as Date,
    paidAt: row.paid_at as Date | null,
    cancelledAt: row.cancelled_at as Date | null,
    cancelReason: row.cancel_reason as string | null,
    createdAt: row.created_at as Date,
  };
}

/** Maps a purchase_items row; the sales queries select the same columns. */
export function toItem(row: RowDataPacket): PurchaseItem {
  return {
    id: row.id as number,
    purchaseId: row.purchase_id as number,
    bookId: row.book_id as number,
    sellerId: row.seller_id as number,
    title: row.title as string,
    author: row.author as string,
    quantity: row.quantity as number,
    unitPriceCents: row.unit_price_cents as number,
    shippedAt: row.shipped_at as Date | null,
  };
}

function toBook(row: RowDataPacket): BookForSale {
  return {
    id: row.id as number,
    sellerId: row.seller_id as number,
    title: row.title as string,
    author: row.author as string,
    priceCents: row.price_cents as number,
    stock: row.stock as number,
    listed: Boolean(row.listed),
    coverKey: row.cover_key as string | null,
  };
}

const BOOK_COLUMNS = 'id, seller_id, title, author, price_cents, stock, listed, cover_key';

export async function findBook(db: Db, id: number): Promise<BookForSale | null> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${BOOK_COLUMNS} FROM books WHERE id = ?`, [id]);
  return rows[0] ? toBook(rows[0]) : null;
}

/** Locks the book row until the transaction ends; callers lock several books in id order. */
export async function lockBook(db: Db, id: number): Promise<BookForSale | null> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${BOOK_COLUMNS} FROM books WHERE id = ? FOR UPDATE`, [id]);
  return rows[0] ? toBook(rows[0]) : null;
}

/** Takes stock only if enough is left: false means another buyer got there first. */
export async function takeStock(db: Db, bookId: number, quantity: number): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    'UPDATE books SET stock = stock - ? WHERE id = ? AND stock >= ? AND listed = 1',
    [quantity, bookId, quantity],
  );
  return result.affectedRows === 1;
}

export async function returnStock(db: Db, bookId: number, quantity: number): Promise<void> {
  // Capped at the catalog's most (CHECK stock <= 10000): a seller may have restocked meanwhile.
  await db.execute('UPDATE books SET stock = LEAST(stock + ?, 10000) WHERE id = ?', [quantity, bookId]);
}

export async function insertPurchase(
  db: Db,
  p: { buyerId: number; checkoutToken: string; itemsCents: number; expiresAt: Date; createdAt: Date },
): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT INTO purchases (buyer_id, checkout_token, status, items_cents, shipping_cents, total_cents, expires_at, created_at)
     VALUES (?, ?, 'pending_payment', ?, 0, ?, ?, ?)`,
    [p.buyerId, p.checkoutToken, p.itemsCents, p.itemsCents, p.expiresAt, p.createdAt],
  );
  return result.insertId;
}

export async function insertItem(db: Db, purchaseId: number, item: Omit<PurchaseItem, 'id' | 'purchaseId' | 'shippedAt'>): Promise<void> {
  await db.execute(
    'INSERT INTO purchase_items (purchase_id, book_id, seller_id, title, author, quantity, unit_price_cents) VALUES (?, ?, ?, ?, ?, ?, ?)',
    [purchaseId, item.bookId, item.sellerId, item.title, item.author, item.quantity, item.unitPriceCents],
  );
}

export async function findPurchase(db: Db, id: number): Promise<Purchase | null> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${PURCHASE_COLUMNS} FROM purchases WHERE id = ?`, [id]);
  return rows[0] ? toPurchase(rows[0]) : null;
}

export async function lockPurchase(db: Db, id: number): Promise<Purchase | null> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${PURCHASE_COLUMNS} FROM purchases WHERE id = ? FOR UPDATE`, [id]);
  return rows[0] ? toPurchase(rows[0]) : null;
}

export async function findPurchaseByToken(db: Db, buyerId: number, checkoutToken: string): Promise<Purchase | null> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT ${PURCHASE_COLUMNS} FROM purchases WHERE buyer_id = ? AND checkout_token = ?`,
    [buyerId, checkoutToken],
  );
  return rows[0] ? toPurchase(rows[0]) : null;
}

export async function listItems(db: Db, purchaseId: number): Promise<PurchaseItem[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    'SELECT id, purchase_id, book_id, seller_id, title, author, quantity, unit_price_cents, shipped_at FROM purchase_items WHERE purchase_id = ? ORDER BY id',
    [purchaseId],
  );
  return rows.map(toItem);
}

/** Sets the shipping cost while the purchase still waits for payment. */
export async function setShipping(db: Db, purchaseId: number, shippingCents: number): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    "UPDATE purchases SET shipping_cents = ?, total_cents = items_cents + ? WHERE id = ? AND status = 'pending_payment'",
    [shippingCents, shippingCents, purchaseId],
  );
  return result.affectedRows === 1;
}

/** pending_payment → paid, only before it expires. */
export async function markPaid(db: Db, purchaseId: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    "UPDATE purchases SET status = 'paid', paid_at = ? WHERE id = ? AND status = 'pending_payment' AND expires_at > ?",
    [now, purchaseId, now],
  );
  return result.affectedRows === 1;
}

/** pending_payment → cancelled. With `expiredBy`, only if it expired by then (the sweep). */
export async function markCancelled(db: Db, purchaseId: number, now: Date, reason: 'buyer' | 'expired', expiredBy?: Date): Promise<boolean> {
  const [result] = expiredBy
    ? await db.execute<ResultSetHeader>(
        "UPDATE purchases SET status = 'cancelled', cancelled_at = ?, cancel_reason = ? WHERE id = ? AND status = 'pending_payment' AND expires_at <= ?",
        [now, reason, purchaseId, expiredBy],
      )
    : await db.execute<ResultSetHeader>(
        "UPDATE purchases SET status = 'cancelled', cancelled_at = ?, cancel_reason = ? WHERE id = ? AND status = 'pending_payment'",
        [now, reason, purchaseId],
      );
  return result.affectedRows === 1;
}

export async function expiredPurchaseIds(db: Db, now: Date, limit: number): Promise<number[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    "SELECT id FROM purchases WHERE status = 'pending_payment' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
    [now, String(limit)],
  );
  return rows.map((r) => r.id as number);
}

// ---- Histories ----

export interface PurchaseSummary extends Purchase {
  itemCount: number;
  firstTitle: string;
  deliveryStatus: string | null;
  buyerEmail: string;
}

function toSummary(row: RowDataPacket): PurchaseSummary {
  return {
    ...toPurchase(row),
    itemCount: Number(row.item_count ?? 0),
    firstTitle: (row.first_title as string | null) ?? '',
    deliveryStatus: row.delivery_status as string | null,
    buyerEmail: row.buyer_email as string,
  };
}

const SUMMARY_SELECT = `SELECT ${PURCHASE_COLUMNS_P}, u.email AS buyer_email, d.status AS delivery_status,
  (SELECT SUM(i.quantity) FROM purchase_items i WHERE i.purchase_id = p.id) AS item_count,
  (SELECT i.title FROM purchase_items i WHERE i.purchase_id = p.id ORDER BY i.id LIMIT 1) AS first_title
  FROM purchases p JOIN users u ON u.id = p.buyer_id LEFT JOIN deliveries d ON d.purchase_id = p.id`;

export async function countPurchases(db: Db, filter: { buyerId?: number; status?: PurchaseStatus }): Promise<number> {
  const [rows] = await db.execute<RowDataPacket[]>(
    'SELECT COUNT(*) AS n FROM purchases WHERE (? IS NULL OR buyer_id = ?) AND (? IS NULL OR status = ?)',
    [filter.buyerId ?? null, filter.buyerId ?? null, filter.status ?? null, filter.status ?? null],
  );
  return Number(rows[0]?.n ?? 0);
}

export async function listPurchases(
  db: Db,
  filter: { buyerId?: number; status?: PurchaseStatus },
  limit: number,
  offset: number,
): Promise<PurchaseSummary[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    SUMMARY_SELECT + ' WHERE (? IS NULL OR p.buyer_id = ?) AND (? IS NULL OR p.status = ?) ORDER BY p.id DESC LIMIT ? OFFSET ?',
    [filter.buyerId ?? null, filter.buyerId ?? null, filter.status ?? null, filter.status ?? null, String(limit), String(offset)],
  );
  return rows.map(toSummary);
}

export async function setItemsTotal(db: Db, purchaseId: number, itemsCents: number): Promise<void> {
  await db.execute('UPDATE purchases SET items_cents = ?, total_cents = ? + shipping_cents WHERE id = ?', [itemsCents, itemsCents, purchaseId]);
}
