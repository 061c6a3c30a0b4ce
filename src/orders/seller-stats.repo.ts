// The records a seller's stats are computed from: their parcels (one seller each) paid in a window,
// and which of them had a claim at the seller's fault. SQL only here.
import type { Db, RowDataPacket } from '../db/pool.js';

export interface ParcelOutcome {
  sellerId: number;
  status: string;
  cancelReason: string | null;
  paidAt: Date;
  shippedAt: Date | null;
  /** A claim on it was refunded for a reason other than "changed my mind": the seller's fault. */
  faultClaim: boolean;
}

/** These sellers' parcels paid since `since`. */
export async function parcelOutcomes(db: Db, sellerIds: number[], since: Date): Promise<ParcelOutcome[]> {
  if (sellerIds.length === 0) return [];
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT d.seller_id, d.status, d.cancel_reason, p.paid_at, d.shipped_at,
       EXISTS (SELECT 1 FROM claims c WHERE c.delivery_id = d.id AND c.reason <> 'changed_mind' AND c.status IN ('accepted', 'decided') AND c.refund_cents > 0) AS fault_claim
       FROM deliveries d JOIN purchases p ON p.id = d.purchase_id WHERE d.seller_id IN (` +
      sellerIds.map(() => '?').join(', ') +
      ') AND p.paid_at >= ?',
    [...sellerIds, since],
  );
  return rows.map((r) => ({
    sellerId: r.seller_id as number,
    status: r.status as string,
    cancelReason: r.cancel_reason as string | null,
    paidAt: r.paid_at as Date,
    shippedAt: r.shipped_at as Date | null,
    faultClaim: Number(r.fault_claim) === 1,
  }));
}

/** Sellers with a parcel changed since `since` (all of them with `since` at the window's start). */
export async function sellersChangedSince(db: Db, since: Date): Promise<number[]> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT DISTINCT seller_id FROM deliveries WHERE updated_at >= ? AND seller_id IS NOT NULL', [since]);
  return rows.map((r) => r.seller_id as number);
}
