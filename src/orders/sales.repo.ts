// Sales: a seller's paid purchase items, their totals and revenue per day, and shipping them. SQL only here.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';
import { ITEM_COLUMNS, SHIP_COLUMNS_P, toItem, toShipTo, type PurchaseItem, type PurchaseStatus, type ShipTo } from './purchases.repo.js';

const ITEM_COLUMNS_I = ITEM_COLUMNS.split(', ')
  .map((c) => `i.${c}`)
  .join(', ');

export interface SaleRow extends PurchaseItem {
  purchaseStatus: PurchaseStatus;
  paidAt: Date | null;
  /** The seller's parcel of that purchase. */
  deliveryId: number | null;
  deliveryStatus: string | null;
  /** Why the parcel was cancelled and refunded ('buyer', 'seller_declined', 'deadline'), if it was. */
  cancelReason: string | null;
  /** The parcel must be marked shipped by then, or it is cancelled and refunded. */
  shipBy: Date | null;
  trackingNumber: string | null;
  /** Where to send it: listed sales are paid ones only, so a seller never sees an unpaid buyer's address. */
  shipTo: ShipTo | null;
}

export async function countSales(db: Db, sellerId: number): Promise<number> {
  const [rows] = await db.execute<RowDataPacket[]>(
    "SELECT COUNT(*) AS n FROM purchase_items i JOIN purchases p ON p.id = i.purchase_id WHERE i.seller_id = ? AND p.status = 'paid'",
    [sellerId],
  );
  return Number(rows[0]?.n ?? 0);
}

export async function listSales(db: Db, sellerId: number, limit: number, offset: number): Promise<SaleRow[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT ${ITEM_COLUMNS_I}, p.status AS purchase_status, p.paid_at, ${SHIP_COLUMNS_P}, d.id AS delivery_id, d.status AS delivery_status, d.tracking_number,
            d.cancel_reason, d.ship_by
       FROM purchase_items i JOIN purchases p ON p.id = i.purchase_id
       LEFT JOIN deliveries d ON d.purchase_id = p.id AND (d.seller_id = i.seller_id OR d.seller_id IS NULL)
      WHERE i.seller_id = ? AND p.status = 'paid'
      ORDER BY p.paid_at DESC, i.id DESC LIMIT ? OFFSET ?`,
    [sellerId, String(limit), String(offset)],
  );
  return rows.map((row) => ({
    ...toItem(row),
    purchaseStatus: row.purchase_status as PurchaseStatus,
    paidAt: row.paid_at as Date | null,
    deliveryId: row.delivery_id as number | null,
    deliveryStatus: row.delivery_status as string | null,
    cancelReason: row.cancel_reason as string | null,
    shipBy: row.ship_by as Date | null,
    trackingNumber: row.tracking_number as string | null,
    shipTo: toShipTo(row),
  }));
}

// The seller's parcel of the purchase p: their own, or the shared one of a purchase from before parcels.
const SELLERS_PARCEL = 'LEFT JOIN deliveries d ON d.purchase_id = p.id AND (d.seller_id = i.seller_id OR d.seller_id IS NULL)';
// Revenue is net of refunds: the books of a cancelled (refunded) parcel are not sold.
const NOT_REFUNDED = "(d.status IS NULL OR d.status <> 'cancelled')";

export async function salesTotals(db: Db, sellerId: number): Promise<{ revenueCents: number; copies: number }> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT COALESCE(SUM(i.quantity * i.unit_price_cents), 0) AS revenue, COALESCE(SUM(i.quantity), 0) AS copies
       FROM purchase_items i JOIN purchases p ON p.id = i.purchase_id ${SELLERS_PARCEL}
      WHERE i.seller_id = ? AND p.status = 'paid' AND ${NOT_REFUNDED}`,
    [sellerId],
  );
  return { revenueCents: Number(rows[0]?.revenue ?? 0), copies: Number(rows[0]?.copies ?? 0) };
}

/** Revenue per UTC day since `since` (net of refunded parcels), for the chart on /sales. */
export async function revenueByDay(db: Db, sellerId: number, since: Date): Promise<{ day: string; cents: number }[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT DATE_FORMAT(p.paid_at, '%Y-%m-%d') AS day, SUM(i.quantity * i.unit_price_cents) AS cents
       FROM purchase_items i JOIN purchases p ON p.id = i.purchase_id ${SELLERS_PARCEL}
      WHERE i.seller_id = ? AND p.status = 'paid' AND p.paid_at >= ? AND ${NOT_REFUNDED}
      GROUP BY DATE_FORMAT(p.paid_at, '%Y-%m-%d') ORDER BY day`,
    [sellerId, since],
  );
  return rows.map((r) => ({ day: r.day as string, cents: Number(r.cents) }));
}

/** Marks this seller's items of the purchase shipped; 0 when there were none left to ship. */
export async function markItemsShipped(db: Db, purchaseId: number, sellerId: number, now: Date): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    'UPDATE purchase_items SET shipped_at = ? WHERE purchase_id = ? AND seller_id = ? AND shipped_at IS NULL',
    [now, purchaseId, sellerId],
  );
  return result.affectedRows;
}

export async function countUnshipped(db: Db, purchaseId: number): Promise<number> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM purchase_items WHERE purchase_id = ? AND shipped_at IS NULL', [purchaseId]);
  return Number(rows[0]?.n ?? 0);
}

/** Sellers' parts of paid purchases still not handed to the carrier, paid before `paidBefore` (for reminders). */
export async function unshippedSales(db: Db, paidBefore: Date, limit: number): Promise<{ purchaseId: number; sellerId: number }[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT DISTINCT i.purchase_id, i.seller_id FROM purchase_items i JOIN purchases p ON p.id = i.purchase_id
       ${SELLERS_PARCEL}
      WHERE p.status = 'paid' AND p.paid_at < ? AND p.paid_at > ? AND i.shipped_at IS NULL AND ${NOT_REFUNDED} ORDER BY i.purchase_id LIMIT ?`,
    // A week's window: each sale is reminded once (the outbox's key), and old ones are not read again and again.
    [paidBefore, new Date(paidBefore.getTime() - 7 * 86_400_000), String(limit)],
  );
  return rows.map((r) => ({ purchaseId: Number(r.purchase_id), sellerId: Number(r.seller_id) }));
}
