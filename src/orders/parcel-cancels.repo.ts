// Cancelling paid parcels before they ship (refunds.service): the compare-and-set, the record that
// their books went back to catalog, and the parcels the deadline job and the stock-return retry find.
// SQL only here (on deliveries, orders' own table).
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';
import type { ParcelCancelReason } from './deliveries.repo.js';

/** preparing → cancelled by compare-and-set (a paid parcel not yet shipped); false if it was not preparing. */
export async function markParcelCancelled(db: Db, deliveryId: number, reason: ParcelCancelReason, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    "UPDATE deliveries SET status = 'cancelled', cancelled_at = ?, cancel_reason = ?, next_step_at = NULL WHERE id = ? AND status = 'preparing'",
    [now, reason, deliveryId],
  );
  return result.affectedRows === 1;
}

/** Paid parcels still being prepared past their ship-by date, the most overdue first (the deadline job). */
export async function overdueParcels(db: Db, now: Date, limit: number): Promise<{ id: number; purchaseId: number }[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    "SELECT id, purchase_id FROM deliveries WHERE status = 'preparing' AND ship_by <= ? ORDER BY ship_by LIMIT ?",
    [now, String(limit)],
  );
  return rows.map((r) => ({ id: r.id as number, purchaseId: r.purchase_id as number }));
}

/** Once the books of a cancelled parcel are back in catalog. */
export async function markStockReturned(db: Db, deliveryId: number, now: Date): Promise<void> {
  await db.execute('UPDATE deliveries SET stock_returned_at = ? WHERE id = ? AND stock_returned_at IS NULL', [now, deliveryId]);
}

/** Paid parcels cancelled by `before` whose books are not back yet (the return after the cancel did not finish). */
export async function unreturnedCancelled(db: Db, before: Date, limit: number): Promise<{ id: number; purchaseId: number }[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT id, purchase_id FROM deliveries
      WHERE status = 'cancelled' AND stock_returned_at IS NULL AND cancelled_at IS NOT NULL AND cancelled_at <= ? ORDER BY id LIMIT ?`,
    [before, String(limit)],
  );
  return rows.map((r) => ({ id: r.id as number, purchaseId: r.purchase_id as number }));
}
