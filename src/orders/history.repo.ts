// SQL for the purchase pages' read models: one purchase with its payment in one read, and the lists
// of purchases (a buyer's, the admin's) with their parcels' status.
import type { Db, RowDataPacket } from '../db/pool.js';
import { summariseParcels } from './parcels.js';
import { toPayment, type Payment } from './payments.repo.js';
import { PURCHASE_COLUMNS_P, toPurchase, type Purchase, type PurchaseStatus } from './purchases.repo.js';

// A purchase with its payment in one read (the purchase pages and every API answer); its parcels are
// read next (deliveries.repo listParcels).
const WITH_PAYMENT = `SELECT ${PURCHASE_COLUMNS_P},
  pm.id AS pm_id, pm.purchase_id AS pm_purchase_id, pm.amount_cents AS pm_amount_cents, pm.method AS pm_method, pm.card_brand AS pm_card_brand,
  pm.card_last4 AS pm_card_last4, pm.paypal_email AS pm_paypal_email, pm.bank_name AS pm_bank_name, pm.bank_reference AS pm_bank_reference,
  pm.created_at AS pm_created_at
  FROM purchases p LEFT JOIN payments pm ON pm.purchase_id = p.id WHERE p.id = ?`;

/** The columns of `row` that start with `prefix`, without it (the joined table's own row). */
function joined(row: RowDataPacket, prefix: string): RowDataPacket {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) if (k.startsWith(prefix)) out[k.slice(prefix.length)] = v;
  return out as RowDataPacket;
}

export async function findPurchaseWithPayment(db: Db, id: number): Promise<{ purchase: Purchase; payment: Payment | null } | null> {
  const [rows] = await db.execute<RowDataPacket[]>(WITH_PAYMENT, [id]);
  const row = rows[0];
  if (!row) return null;
  return { purchase: toPurchase(row), payment: row.pm_id === null ? null : toPayment(joined(row, 'pm_')) };
}

export interface PurchaseSummary extends Purchase {
  itemCount: number;
  firstTitle: string;
  /** Its parcels' statuses summarised (parcels.ts summariseParcels); null before a carrier is chosen. */
  deliveryStatus: string | null;
  /** What its refunds gave back. */
  refundedCents: number;
}

function toSummary(row: RowDataPacket): PurchaseSummary {
  return {
    ...toPurchase(row),
    itemCount: Number(row.item_count ?? 0),
    firstTitle: (row.first_title as string | null) ?? '',
    refundedCents: Number(row.refunded_cents ?? 0),
    deliveryStatus: summariseParcels(row.delivery_statuses ? String(row.delivery_statuses).split(',') : []),
  };
}

const SUMMARY_SELECT = `SELECT ${PURCHASE_COLUMNS_P},
  (SELECT GROUP_CONCAT(d.status ORDER BY d.id) FROM deliveries d WHERE d.purchase_id = p.id) AS delivery_statuses,
  (SELECT SUM(r.amount_cents) FROM refunds r WHERE r.purchase_id = p.id) AS refunded_cents,
  (SELECT SUM(i.quantity) FROM purchase_items i WHERE i.purchase_id = p.id) AS item_count,
  (SELECT i.title FROM purchase_items i WHERE i.purchase_id = p.id ORDER BY i.id LIMIT 1) AS first_title
  FROM purchases p`;

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
