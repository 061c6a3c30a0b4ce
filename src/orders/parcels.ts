// Parcels: a purchase ships as one parcel per seller of its books (a delivery row each). Pure rules
// shared by the services and the read models: which parcel carries which books, and what the
// purchase's delivery status is when its parcels are at different steps.
import type { Delivery } from './deliveries.repo.js';
import type { PurchaseItem } from './purchases.repo.js';

/** The sellers of these items, in the order their books appear. */
export function sellersOf(items: Pick<PurchaseItem, 'sellerId'>[]): number[] {
  return [...new Set(items.map((i) => i.sellerId))];
}

/** The parcel carrying this seller's books: their own, or the shared one of a purchase from before parcels. */
export function parcelOfSeller<T extends Pick<Delivery, 'sellerId'>>(parcels: T[], sellerId: number): T | undefined {
  return parcels.find((p) => p.sellerId === sellerId) ?? parcels.find((p) => p.sellerId === null);
}

/** The books a parcel carries. */
export function itemsOfParcel<T extends Pick<PurchaseItem, 'sellerId'>>(parcel: Pick<Delivery, 'sellerId'>, items: T[]): T[] {
  return parcel.sellerId === null ? items : items.filter((i) => i.sellerId === parcel.sellerId);
}

/**
 * The purchase's delivery status from its parcels': theirs when they agree (cancelled ones aside),
 * else "partly delivered" or "partly shipped"; "cancelled" when every parcel was; null without parcels.
 */
export function summariseParcels(statuses: string[]): string | null {
  if (statuses.length === 0) return null;
  const live = statuses.filter((s) => s !== 'cancelled');
  if (live.length === 0) return 'cancelled';
  if (live.every((s) => s === live[0])) return live[0]!;
  if (live.includes('delivered')) return 'partly_delivered';
  if (live.some((s) => s === 'shipped' || s === 'in_transit' || s === 'delivered')) return 'partly_shipped';
  return live[0]!;
}
