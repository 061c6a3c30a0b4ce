// Sellers' records as orders publishes them (catalog only stores and shows them). SQL only here.
import type { Db, RowDataPacket } from '../db/pool.js';
import type { SellerStats } from './catalog.port.js';

/** Replaces these sellers' records, in one statement. */
export async function publish(db: Db, stats: SellerStats[], now = new Date()): Promise<void> {
  if (stats.length === 0) return;
  await db.execute(
    'INSERT INTO seller_stats (seller_id, decided_parcels, completed_permille, median_ship_minutes, computed_at) VALUES ' +
      stats.map(() => '(?, ?, ?, ?, ?)').join(', ') +
      ` ON DUPLICATE KEY UPDATE decided_parcels = VALUES(decided_parcels), completed_permille = VALUES(completed_permille),
          median_ship_minutes = VALUES(median_ship_minutes), computed_at = VALUES(computed_at)`,
    stats.flatMap((s) => [s.sellerId, s.decidedParcels, s.completedPermille, s.medianShipMinutes, now]),
  );
}

/** One seller's record (a primary-key lookup: the book page's only extra read), or null. */
export async function findSellerStats(db: Db, sellerId: number): Promise<SellerStats | null> {
  const [rows] = await db.execute<RowDataPacket[]>(
    'SELECT seller_id, decided_parcels, completed_permille, median_ship_minutes FROM seller_stats WHERE seller_id = ?',
    [sellerId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    sellerId: r.seller_id as number,
    decidedParcels: r.decided_parcels as number,
    completedPermille: r.completed_permille as number | null,
    medianShipMinutes: r.median_ship_minutes as number | null,
  };
}
