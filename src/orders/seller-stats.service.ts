// What the next buyer should know (issue 27, item 5): a seller's completed-sale rate and median time
// from payment to shipping over the last 180 days, computed from orders' own records (parcels,
// their cancellations and claims; no new input from anyone) and handed to catalog (CatalogPort
// publishSellerStats), which shows them on the seller's books' pages with one primary-key read.
//   completed rate  parcels delivered without a claim at the seller's fault ÷ parcels decided, where
//                   decided = delivered, or cancelled by the seller (declined) or by the ship-by
//                   deadline. A parcel still on its way is not decided yet, and one the buyer
//                   cancelled is not the seller's doing, so neither counts.
//   median          minutes from payment to "shipped", over the parcels shipped.
import type { CatalogPort, SellerStats } from '../catalog/catalog.port.js';
import type { Db } from '../db/pool.js';
import * as repo from './seller-stats.repo.js';

export const WINDOW_DAYS = 180;
const BATCH = 200;

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : Math.round((sorted[mid - 1]! + sorted[mid]!) / 2);
}

/** These sellers' stats as of `now`. */
export async function computeSellerStats(db: Db, sellerIds: number[], now = new Date()): Promise<SellerStats[]> {
  const since = new Date(now.getTime() - WINDOW_DAYS * 86_400_000);
  const outcomes = await repo.parcelOutcomes(db, sellerIds, since);
  return sellerIds.map((sellerId) => {
    const own = outcomes.filter((o) => o.sellerId === sellerId);
    const decided = own.filter((o) => o.status === 'delivered' || (o.status === 'cancelled' && (o.cancelReason === 'seller_declined' || o.cancelReason === 'deadline')));
    const completed = decided.filter((o) => o.status === 'delivered' && !o.faultClaim).length;
    const shipMinutes = own.filter((o) => o.shippedAt).map((o) => Math.max(0, Math.round((o.shippedAt!.getTime() - o.paidAt.getTime()) / 60_000)));
    return {
      sellerId,
      decidedParcels: decided.length,
      completedPermille: decided.length ? Math.round((completed * 1000) / decided.length) : null,
      medianShipMinutes: median(shipMinutes),
    };
  });
}

/**
 * Recomputes and publishes the stats of the sellers whose parcels changed since `since` (every seller
 * with a parcel in the window when `since` is null). Returns how many sellers it published.
 */
export async function publishSellerStats(db: Db, catalog: CatalogPort, since: Date | null, now = new Date()): Promise<number> {
  const sellers = await repo.sellersChangedSince(db, since ?? new Date(now.getTime() - WINDOW_DAYS * 86_400_000));
  for (let i = 0; i < sellers.length; i += BATCH) {
    await catalog.publishSellerStats(await computeSellerStats(db, sellers.slice(i, i + BATCH), now));
  }
  return sellers.length;
}

/**
 * The job: sellers changed since the last run (a minute's overlap), and every seller once a day (the
 * window moves on even when nothing changes). State per instance; every instance may run it.
 */
export function sellerStatsJob(db: Db, catalog: CatalogPort): () => Promise<number> {
  let lastRun: Date | null = null;
  let lastFull = 0;
  return async () => {
    const now = new Date();
    const full = lastRun === null || now.getTime() - lastFull > 86_400_000;
    const published = await publishSellerStats(db, catalog, full ? null : new Date(lastRun!.getTime() - 60_000), now);
    if (full) lastFull = now.getTime();
    lastRun = now;
    return published;
  };
}
