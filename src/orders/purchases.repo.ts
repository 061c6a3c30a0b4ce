// Purchases and their line items. SQL only here: the stock lives in catalog, reached through its port.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';
import type { PostalAddress } from '../accounts/accounts.port.js';

export type PurchaseStatus = 'pending_payment' | 'paid' | 'cancelled';

export interface Purchase {
  id: number;
  buyerId: number;
  checkoutToken: string | null;
  /** The catalog reservation that holds this purchase's stock. */
  reservationKey: string;
  status: PurchaseStatus;
  itemsCents: number;
  shippingCents: number;
  totalCents: number;
  expiresAt: Date;
  paidAt: Date | null;
  cancelledAt: Date | null;
  cancelReason: string | null;
  createdAt: Date;
  /** null until the buyer chooses where to ship (and on purchases from before addresses). */
  shipTo: ShipTo | null;
}

/** Where a purchase ships: the buyer's address as it was when chosen (orders' own copy). */
export interface ShipTo extends PostalAddress {
  /** The address book entry it was copied from (it may have changed or gone since). */
  addressId: number | null;
}

export interface PurchaseItem {
  id: number;
  purchaseId: number;
  bookId: number;
  sellerId: number;
  sellerName: string;
  title: string;
  author: string;
  quantity: number;
  unitPriceCents: number;
  shippedAt: Date | null;
}

const SHIP_COLUMNS = ['ship_address_id', 'ship_recipient', 'ship_line1', 'ship_line2', 'ship_city', 'ship_region', 'ship_postal_code', 'ship_country', 'ship_phone'];
const PURCHASE_COLUMNS =
  'id, buyer_id, checkout_token, reservation_key, status, items_cents, shipping_cents, total_cents, expires_at, paid_at, cancelled_at, cancel_reason, created_at, ' +
  SHIP_COLUMNS.join(', ');
export const PURCHASE_COLUMNS_P =
  'p.id, p.buyer_id, p.checkout_token, p.reservation_key, p.status, p.items_cents, p.shipping_cents, p.total_cents, p.expires_at, p.paid_at, p.cancelled_at, p.cancel_reason, p.created_at, ' +
  SHIP_COLUMNS.map((c) => `p.${c}`).join(', ');
/** The ship-to columns of purchases p, for the sales queries. */
export const SHIP_COLUMNS_P = SHIP_COLUMNS.map((c) => `p.${c}`).join(', ');

/** The ship-to copy from a row holding the ship_* columns; null when none was chosen. */
export function toShipTo(row: RowDataPacket): ShipTo | null {
  if (row.ship_recipient === null || row.ship_recipient === undefined) return null;
  return {
    addressId: row.ship_address_id as number | null,
    recipient: row.ship_recipient as string,
    line1: row.ship_line1 as string,
    line2: row.ship_line2 as string,
    city: row.ship_city as string,
    region: row.ship_region as string,
    postalCode: row.ship_postal_code as string,
    country: row.ship_country as string,
    phone: row.ship_phone as string,
  };
}
/** purchase_items columns, also selected by the sales queries (as i.*). */
export const ITEM_COLUMNS = 'id, purchase_id, book_id, seller_id, seller_name, title, author, quantity, unit_price_cents, shipped_at';

export function toPurchase(row: RowDataPacket): Purchase {
  return {
    id: row.id as number,
    buyerId: row.buyer_id as number,
    checkoutToken: row.checkout_token as string | null,
    reservationKey: row.reservation_key as string,
    status: row.status as PurchaseStatus,
    itemsCents: row.items_cents as number,
    shippingCents: row.shipping_cents as number,
    totalCents: row.total_cents as number,
    expiresAt: row.expires_at as Date,
    paidAt: row.paid_at as Date | null,
    cancelledAt: row.cancelled_at as Date | null,
    cancelReason: row.cancel_reason as string | null,
    createdAt: row.created_at as Date,
    shipTo: toShipTo(row),
  };
}

/** Maps a purchase_items row; the sales queries select the same columns. */
export function toItem(row: RowDataPacket): PurchaseItem {
  return {
    id: row.id as number,
    purchaseId: row.purchase_id as number,
    bookId: row.book_id as number,
    sellerId: row.seller_id as number,
    sellerName: row.seller_name as string,
    title: row.title as string,
    author: row.author as string,
    quantity: row.quantity as number,
    unitPriceCents: row.unit_price_cents as number,
    shippedAt: row.shipped_at as Date | null,
  };
}

export async function insertPurchase(
  db: Db,
  p: { buyerId: number; checkoutToken: string; reservationKey: string; itemsCents: number; expiresAt: Date; createdAt: Date },
): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT INTO purchases (buyer_id, checkout_token, reservation_key, status, items_cents, shipping_cents, total_cents, expires_at, created_at)
     VALUES (?, ?, ?, 'pending_payment', ?, 0, ?, ?, ?)`,
    [p.buyerId, p.checkoutToken, p.reservationKey, p.itemsCents, p.itemsCents, p.expiresAt, p.createdAt],
  );
  return result.insertId;
}

/** The lines of a new purchase, in one statement. */
export async function insertItems(db: Db, purchaseId: number, items: Omit<PurchaseItem, 'id' | 'purchaseId' | 'shippedAt'>[]): Promise<void> {
  await db.execute(
    'INSERT INTO purchase_items (purchase_id, book_id, seller_id, seller_name, title, author, quantity, unit_price_cents) VALUES ' +
      items.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', '),
    items.flatMap((i) => [purchaseId, i.bookId, i.sellerId, i.sellerName, i.title, i.author, i.quantity, i.unitPriceCents]),
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
    `SELECT ${ITEM_COLUMNS} FROM purchase_items WHERE purchase_id = ? ORDER BY id`,
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

/** Copies the address the purchase ships to, while it still waits for payment (a paid purchase keeps its copy). */
export async function setShipTo(db: Db, purchaseId: number, a: ShipTo): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    `UPDATE purchases SET ship_address_id = ?, ship_recipient = ?, ship_line1 = ?, ship_line2 = ?, ship_city = ?, ship_region = ?, ship_postal_code = ?,
       ship_country = ?, ship_phone = ? WHERE id = ? AND status = 'pending_payment'`,
    [a.addressId, a.recipient, a.line1, a.line2, a.city, a.region, a.postalCode, a.country, a.phone, purchaseId],
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

/** pending_payment → cancelled (the buyer cancels). */
export async function markCancelled(db: Db, purchaseId: number, now: Date, reason: CancelReason): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    "UPDATE purchases SET status = 'cancelled', cancelled_at = ?, cancel_reason = ? WHERE id = ? AND status = 'pending_payment'",
    [now, reason, purchaseId],
  );
  return result.affectedRows === 1;
}

/** pending_payment → cancelled, only if it expired by `now` (the sweep: a payment that came first wins). */
export async function markExpiredCancelled(db: Db, purchaseId: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    "UPDATE purchases SET status = 'cancelled', cancelled_at = ?, cancel_reason = 'expired' WHERE id = ? AND status = 'pending_payment' AND expires_at <= ?",
    [now, purchaseId, now],
  );
  return result.affectedRows === 1;
}

export type CancelReason = 'buyer' | 'expired';

/** Once the catalog reservation of a cancelled purchase is released (its stock is back). */
export async function markStockReleased(db: Db, purchaseId: number, now: Date): Promise<void> {
  await db.execute('UPDATE purchases SET stock_released_at = ? WHERE id = ? AND stock_released_at IS NULL', [now, purchaseId]);
}

export interface PurchaseRef {
  id: number;
  reservationKey: string;
}

const toRef = (r: RowDataPacket): PurchaseRef => ({ id: r.id as number, reservationKey: r.reservation_key as string });

export async function expiredPurchases(db: Db, now: Date, limit: number): Promise<PurchaseRef[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    "SELECT id, reservation_key FROM purchases WHERE status = 'pending_payment' AND expires_at <= ? ORDER BY expires_at LIMIT ?",
    [now, String(limit)],
  );
  return rows.map(toRef);
}

/** Cancelled by `before` and their stock not yet back (the release after the cancel did not finish). */
export async function unreleasedCancelled(db: Db, before: Date, limit: number): Promise<PurchaseRef[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    "SELECT id, reservation_key FROM purchases WHERE status = 'cancelled' AND stock_released_at IS NULL AND cancelled_at <= ? ORDER BY id LIMIT ?",
    [before, String(limit)],
  );
  return rows.map(toRef);
}
