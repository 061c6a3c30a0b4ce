// Cancel and refund a paid parcel before it ships: its buyer cancels it, its seller declines it (which
// counts against the seller), or the ship-by deadline passes. In one transaction, under the purchase's
// row lock (which shipping takes too, so a cancel and a ship are never both decided):
//   preparing → cancelled by compare-and-set (a parcel already shipped or cancelled is refused),
//   a refund of the parcel's books and shipping (unique per parcel; never beyond the payment),
//   its event, and the e-mails to the buyer and the seller.
// Then its books go back to catalog (returnLines: each line once), and that is recorded; a return that
// fails is retried by the sweep (retryStockReturns) until it is.
import type { CatalogPort } from '../catalog/catalog.port.js';
import { withTransaction, type Pool } from '../db/pool.js';
import { eachRow } from '../jobs.js';
import { Conflict, Forbidden, NotFound } from '../http/errors.js';
import * as deliveriesRepo from './deliveries.repo.js';
import * as cancelsRepo from './parcel-cancels.repo.js';
import type { Delivery, ParcelCancelReason } from './deliveries.repo.js';
import { queueParcelCancelledMails } from './orders.mails.js';
import { itemsOfParcel, parcelOfSeller } from './parcels.js';
import * as purchasesRepo from './purchases.repo.js';
import * as repo from './refunds.repo.js';
import type { Refund } from './refunds.repo.js';

export type { Refund };

/** Who cancels: the buyer (a parcel of theirs, by id), a seller (their parcel of a purchase), or the deadline job. */
export type Canceller = { buyerId: number; parcelId: number } | { sellerId: number } | { deadline: true; parcelId: number };

const NOTES: Record<ParcelCancelReason, string> = {
  buyer: 'Cancelled by the buyer before shipping. The books and the shipping were refunded.',
  seller_declined: 'The seller could not send this parcel. The books and the shipping were refunded.',
  deadline: 'Not shipped by its ship-by date, so it was cancelled. The books and the shipping were refunded.',
};

function reasonOf(by: Canceller): ParcelCancelReason {
  return 'buyerId' in by ? 'buyer' : 'sellerId' in by ? 'seller_declined' : 'deadline';
}

/** The parcel's books back in catalog (each line once, whoever asks), then recorded. */
async function returnStock(pool: Pool, catalog: CatalogPort, reservationKey: string, parcel: Delivery, bookIds: number[], now: Date): Promise<void> {
  await catalog.returnLines(reservationKey, bookIds);
  await cancelsRepo.markStockReturned(pool, parcel.id, now);
}

/**
 * Cancels one paid, unshipped parcel and refunds its books and shipping; the other parcels are not
 * touched. 404/403 for a parcel that is not the caller's, 409 once it has shipped or was cancelled.
 */
export async function cancelParcel(pool: Pool, catalog: CatalogPort, purchaseId: number, by: Canceller, now = new Date()): Promise<{ parcel: Delivery; refund: Refund }> {
  const reason = reasonOf(by);
  const done = await withTransaction(pool, async (conn) => {
    const purchase = await purchasesRepo.lockPurchase(conn, purchaseId);
    if (!purchase) throw new NotFound('There is no such purchase.');
    if ('buyerId' in by && purchase.buyerId !== by.buyerId) throw new Forbidden('This purchase belongs to another account.');
    const items = await purchasesRepo.listItems(conn, purchaseId);
    if ('sellerId' in by && !items.some((i) => i.sellerId === by.sellerId)) throw new Forbidden('Only a seller of this purchase can decline it.');
    const parcels = await deliveriesRepo.lockParcels(conn, purchaseId);
    const parcel = 'sellerId' in by ? parcelOfSeller(parcels, by.sellerId) : parcels.find((p) => p.id === by.parcelId);
    if (!parcel) throw new NotFound('There is no such parcel.');
    if (purchase.status !== 'paid') throw new Conflict('Only a paid purchase can be refunded; an unpaid one is simply cancelled.');
    if (parcel.status === 'cancelled') throw new Conflict('This parcel was already cancelled and refunded.');
    if (parcel.status !== 'preparing') throw new Conflict('This parcel has already been shipped, so it can no longer be cancelled.');
    const carried = itemsOfParcel(parcel, items);
    if (carried.some((i) => i.shippedAt)) throw new Conflict('This parcel has already been shipped, so it can no longer be cancelled.');
    if (!(await cancelsRepo.markParcelCancelled(conn, parcel.id, reason, now))) throw new Conflict('This parcel changed meanwhile; reload the page.');
    const itemsCents = carried.reduce((sum, i) => sum + i.unitPriceCents * i.quantity, 0);
    const refund = { purchaseId, deliveryId: parcel.id, sellerId: parcel.sellerId, cause: reason, causeKey: `parcel:${parcel.id}`, itemsCents, shippingCents: parcel.costCents };
    const refundId = await repo.insertRefund(conn, refund, now);
    if (refundId === null) throw new Conflict('This refund would exceed what was paid.');
    await deliveriesRepo.insertEvent(conn, parcel.id, 'cancelled', NOTES[reason], now);
    await queueParcelCancelledMails(conn, purchaseId, parcel.id, carried, reason);
    const { causeKey: _key, ...shown } = refund;
    return { parcel, reservationKey: purchase.reservationKey, bookIds: carried.map((i) => i.bookId), refund: { id: refundId, ...shown, amountCents: itemsCents + parcel.costCents, createdAt: now } };
  });
  // The parcel is cancelled and refunded whatever happens next: a return that fails is retried by the sweep.
  await returnStock(pool, catalog, done.reservationKey, done.parcel, done.bookIds, now).catch(() => undefined);
  return { parcel: done.parcel, refund: done.refund };
}

/**
 * The ship-by deadline: cancels and refunds every paid parcel still being prepared past its ship-by
 * date, and tells its buyer and seller. Safe on several instances at once: each parcel is cancelled
 * by one of them (the compare-and-set under the purchase's lock; the others get a Conflict and pass
 * on), refunded once (its unique cause) and its stock returned once. Returns how many this call cancelled.
 */
export async function cancelOverdueParcels(pool: Pool, catalog: CatalogPort, now = new Date(), batch = 200): Promise<number> {
  return eachRow(await cancelsRepo.overdueParcels(pool, now, batch), async ({ id, purchaseId }) => {
    try {
      await cancelParcel(pool, catalog, purchaseId, { deadline: true, parcelId: id }, now);
      return true;
    } catch (err) {
      if (err instanceof Conflict) return false; // shipped or cancelled meanwhile, or by another instance
      throw err;
    }
  });
}

/** A cancel whose stock return did not finish is retried after this long. */
export const RETURN_RETRY_AFTER_MS = 60_000;

/** Finishes the stock returns of cancelled parcels that did not finish; returns how many it finished. */
export async function retryStockReturns(pool: Pool, catalog: CatalogPort, now = new Date(), batch = 200): Promise<number> {
  const stale = await cancelsRepo.unreturnedCancelled(pool, new Date(now.getTime() - RETURN_RETRY_AFTER_MS), batch);
  return eachRow(stale, async ({ id, purchaseId }) => {
    const [purchase, parcel, items] = await Promise.all([purchasesRepo.findPurchase(pool, purchaseId), deliveriesRepo.findDelivery(pool, id), purchasesRepo.listItems(pool, purchaseId)]);
    if (!purchase || !parcel) return false;
    await returnStock(pool, catalog, purchase.reservationKey, parcel, itemsOfParcel(parcel, items).map((i) => i.bookId), now);
    return true;
  });
}

export const listRefunds = repo.listRefunds;
