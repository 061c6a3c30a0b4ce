// Refunds: simulated like payments, but real records. SQL only here.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';

export type RefundCause = 'buyer' | 'seller_declined' | 'deadline' | 'claim';

export interface Refund {
  id: number;
  purchaseId: number;
  deliveryId: number | null;
  sellerId: number | null;
  cause: RefundCause;
  itemsCents: number;
  shippingCents: number;
  amountCents: number;
  createdAt: Date;
}

function toRefund(r: RowDataPacket): Refund {
  return {
    id: r.id as number,
    purchaseId: r.purchase_id as number,
    deliveryId: r.delivery_id as number | null,
    sellerId: r.seller_id as number | null,
    cause: r.cause as RefundCause,
    itemsCents: r.items_cents as number,
    shippingCents: r.shipping_cents as number,
    amountCents: r.amount_cents as number,
    createdAt: r.created_at as Date,
  };
}

const COLUMNS = 'id, purchase_id, delivery_id, seller_id, cause, items_cents, shipping_cents, amount_cents, created_at';

/**
 * One refund of a paid purchase, once per cause_key (its unique key: a repeat fails with a duplicate
 * key), and only while the purchase's refunds stay within its payment: false when it would exceed it.
 */
export async function insertRefund(
  db: Db,
  r: { purchaseId: number; deliveryId: number | null; sellerId: number | null; cause: RefundCause; causeKey: string; itemsCents: number; shippingCents: number },
  now: Date,
): Promise<number | null> {
  const amount = r.itemsCents + r.shippingCents;
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT INTO refunds (purchase_id, payment_id, delivery_id, seller_id, cause, cause_key, items_cents, shipping_cents, amount_cents, created_at)
     SELECT pm.purchase_id, pm.id, ?, ?, ?, ?, ?, ?, ?, ? FROM payments pm
      WHERE pm.purchase_id = ? AND pm.amount_cents >= ? + (SELECT COALESCE(SUM(r.amount_cents), 0) FROM refunds r WHERE r.purchase_id = ?)`,
    [r.deliveryId, r.sellerId, r.cause, r.causeKey, r.itemsCents, r.shippingCents, amount, now, r.purchaseId, amount, r.purchaseId],
  );
  return result.affectedRows === 1 ? result.insertId : null;
}

export async function listRefunds(db: Db, purchaseId: number): Promise<Refund[]> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${COLUMNS} FROM refunds WHERE purchase_id = ? ORDER BY id`, [purchaseId]);
  return rows.map(toRefund);
}

/** What was refunded for one parcel so far (its cancel, its claims). */
export async function refundedForParcel(db: Db, deliveryId: number): Promise<number> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT COALESCE(SUM(amount_cents), 0) AS n FROM refunds WHERE delivery_id = ?', [deliveryId]);
  return Number(rows[0]?.n ?? 0);
}
