// Claims within the legal window (issue 27, item 4). For CLAIM_BUSINESS_DAYS after a parcel is
// delivered its buyer may open one claim on it (one open claim per parcel: a unique key). The seller
// accepts (a refund: the books for "changed my mind", else books and shipping) or answers once; the
// buyer may dispute an answer; an admin decides a disputed claim, or one unanswered for 3 business
// days: in full, in part or not, with a reason both see. Each change is one conditional UPDATE inside
// a transaction that holds the purchase's row lock, and each claim refunds once (cause_key
// claim:<id>), never beyond what is left of what was paid for the parcel. Stock goes back only when
// the seller marks the returned books received (CatalogPort.returnLines: each line once).
import type { CatalogPort } from '../catalog/catalog.port.js';
import { isDuplicateKey, withTransaction, type Pool, type PoolConnection } from '../db/pool.js';
import { Conflict, Forbidden, Invalid, NotFound } from '../http/errors.js';
import { enqueueMail } from '../mail/outbox.js';
import type { EncodedImage } from '../images.js';
import { addBusinessDays } from './business-days.js';
import * as photosRepo from './claim-photos.repo.js';
import * as repo from './claims.repo.js';
import type { Claim, ClaimDecision, ClaimReason } from './claims.repo.js';
import * as deliveriesRepo from './deliveries.repo.js';
import type { Delivery } from './deliveries.repo.js';
import { itemsOfParcel } from './parcels.js';
import * as purchasesRepo from './purchases.repo.js';
import type { Purchase, PurchaseItem } from './purchases.repo.js';
import * as refundsRepo from './refunds.repo.js';

export type { Claim, ClaimDecision, ClaimReason };

/** An unanswered claim goes to an admin after this many business days. */
export const ANSWER_BUSINESS_DAYS = 3;

interface Locked {
  purchase: Purchase;
  parcel: Delivery;
  items: PurchaseItem[];
}

/** The claim's purchase (row-locked), parcel and the books the parcel carries. */
async function lockClaimed(conn: PoolConnection, purchaseId: number, parcelId: number): Promise<Locked> {
  const purchase = await purchasesRepo.lockPurchase(conn, purchaseId);
  const parcel = (await deliveriesRepo.listParcels(conn, purchaseId)).find((p) => p.id === parcelId);
  if (!purchase || !parcel) throw new NotFound('There is no such parcel.');
  return { purchase, parcel, items: itemsOfParcel(parcel, await purchasesRepo.listItems(conn, purchaseId)) };
}

async function claimOf(conn: PoolConnection, claimId: number): Promise<Claim & Locked> {
  const claim = await repo.findClaim(conn, claimId);
  if (!claim) throw new NotFound('There is no such claim.');
  return { ...claim, ...(await lockClaimed(conn, claim.purchaseId, claim.deliveryId)) };
}

const isSellerOf = (items: PurchaseItem[], sellerId: number) => items.some((i) => i.sellerId === sellerId);

/** What the seller's acceptance (or an admin's "in full") refunds: the books, and the shipping unless the buyer changed their mind. */
function fullAmount(c: Locked & { reason: ClaimReason }): { items: number; shipping: number } {
  const items = c.items.reduce((sum, i) => sum + i.unitPriceCents * i.quantity, 0);
  return { items, shipping: c.reason === 'changed_mind' ? 0 : c.parcel.costCents };
}

/** Records the claim's refund (once: its cause key), within what is left of the parcel's payment. */
async function refund(conn: PoolConnection, c: Claim & Locked, cents: number, now: Date): Promise<void> {
  if (cents === 0) return;
  const paidForParcel = fullAmount({ ...c, reason: 'damaged' });
  const left = paidForParcel.items + paidForParcel.shipping - (await refundsRepo.refundedForParcel(conn, c.parcel.id));
  if (cents > left) throw new Conflict('This refund would exceed what was paid.');
  const items = Math.min(cents, paidForParcel.items);
  const row = { purchaseId: c.purchaseId, deliveryId: c.parcel.id, sellerId: c.parcel.sellerId, cause: 'claim' as const, causeKey: `claim:${c.id}`, itemsCents: items, shippingCents: cents - items };
  try {
    if ((await refundsRepo.insertRefund(conn, row, now)) === null) throw new Conflict('This refund would exceed what was paid.');
  } catch (err) {
    if (isDuplicateKey(err)) throw new Conflict('This claim was already refunded.');
    throw err;
  }
}

/** Tells the other side (an e-mail through order_outbox, once per claim and event). */
async function tell(conn: PoolConnection, c: Pick<Claim, 'id' | 'purchaseId' | 'buyerId'>, event: 'opened' | 'accepted' | 'answered' | 'disputed' | 'decided', to: number[], refundCents = 0): Promise<void> {
  for (const userId of to) {
    // The buyer's claim page is on their purchase, the seller's on their sales.
    const path = userId === c.buyerId ? `/purchases/${c.purchaseId}/claims/${c.id}` : `/sales/claims/${c.id}`;
    await enqueueMail(conn, 'order_outbox', { event: `claim_${event}`, subject: `claim:${c.id}`, to: { userId }, template: 'claim_update', data: { purchaseId: c.purchaseId, claimId: c.id, event, refundCents, path } });
  }
}

const sellersOf = (items: PurchaseItem[]) => [...new Set(items.map((i) => i.sellerId))];

/** The last moment a claim may be opened on this delivered parcel. */
export function claimableUntil(parcel: Pick<Delivery, 'status' | 'deliveredAt'>, claimDays: number): Date | null {
  return parcel.status === 'delivered' && parcel.deliveredAt ? addBusinessDays(parcel.deliveredAt, claimDays) : null;
}

export async function openClaim(
  pool: Pool,
  opts: { buyerId: number; purchaseId: number; parcelId: number; reason: ClaimReason; message: string; claimDays: number; photos?: readonly EncodedImage[]; now?: Date },
): Promise<number> {
  const now = opts.now ?? new Date();
  try {
    return await withTransaction(pool, async (conn) => {
      const c = await lockClaimed(conn, opts.purchaseId, opts.parcelId);
      if (c.purchase.buyerId !== opts.buyerId) throw new Forbidden('This purchase belongs to another account.');
      const until = claimableUntil(c.parcel, opts.claimDays);
      if (!until) throw new Conflict('A claim can be opened once the parcel is delivered.');
      if (until < now) throw new Conflict('The time to open a claim on this parcel has passed ({days} business days after delivery).', { days: opts.claimDays });
      const id = await repo.insertClaim(
        conn,
        { purchaseId: opts.purchaseId, deliveryId: opts.parcelId, buyerId: opts.buyerId, sellerId: c.parcel.sellerId, reason: opts.reason, message: opts.message, respondBy: addBusinessDays(now, ANSWER_BUSINESS_DAYS) },
        now,
      );
      await photosRepo.insertPhotos(conn, id, opts.photos ?? [], now); // with the claim, or neither
      await tell(conn, { id, purchaseId: opts.purchaseId, buyerId: opts.buyerId }, 'opened', sellersOf(c.items));
      return id;
    });
  } catch (err) {
    if (isDuplicateKey(err)) throw new Conflict('This parcel already has an open claim.');
    throw err;
  }
}

/** The seller accepts: the refund goes out at once. */
export async function acceptClaim(pool: Pool, sellerId: number, claimId: number, now = new Date()): Promise<Claim> {
  return withTransaction(pool, async (conn) => {
    const c = await claimOf(conn, claimId);
    if (!isSellerOf(c.items, sellerId)) throw new Forbidden('Only the seller of this parcel can answer this claim.');
    const amount = fullAmount(c);
    const cents = amount.items + amount.shipping;
    if (!(await repo.markAccepted(conn, claimId, cents, now))) throw new Conflict('This claim was already answered or decided.');
    await refund(conn, c, cents, now);
    await tell(conn, c, 'accepted', [c.buyerId], cents);
    return { ...c, status: 'accepted', refundCents: cents };
  });
}

/** The seller answers, once. */
export async function answerClaim(pool: Pool, sellerId: number, claimId: number, answer: string, now = new Date()): Promise<void> {
  await withTransaction(pool, async (conn) => {
    const c = await claimOf(conn, claimId);
    if (!isSellerOf(c.items, sellerId)) throw new Forbidden('Only the seller of this parcel can answer this claim.');
    if (!(await repo.markAnswered(conn, claimId, answer, now))) throw new Conflict('This claim was already answered or decided.');
    await tell(conn, c, 'answered', [c.buyerId]);
  });
}

/** The buyer disagrees with the answer: an admin decides. */
export async function disputeClaim(pool: Pool, buyerId: number, claimId: number, now = new Date()): Promise<void> {
  await withTransaction(pool, async (conn) => {
    const c = await claimOf(conn, claimId);
    if (c.buyerId !== buyerId) throw new Forbidden('This claim belongs to another account.');
    if (!(await repo.markDisputed(conn, claimId, now))) throw new Conflict('Only an answered claim can be sent to an administrator.');
    await tell(conn, c, 'disputed', sellersOf(c.items));
  });
}

/** An admin decides: in full, in part (`amountCents`) or not; two admins at once decide once. */
export async function decideClaim(pool: Pool, adminId: number, claimId: number, d: { decision: ClaimDecision; amountCents: number | null; reason: string }, now = new Date()): Promise<Claim> {
  return withTransaction(pool, async (conn) => {
    const c = await claimOf(conn, claimId);
    const full = fullAmount({ ...c, reason: 'damaged' });
    const max = full.items + full.shipping;
    let cents = d.decision === 'full' ? max : 0;
    if (d.decision === 'partial') {
      if (d.amountCents === null || d.amountCents <= 0 || d.amountCents >= max) throw new Invalid({ amount: 'For a partial refund, enter an amount above zero and below the whole.' });
      cents = d.amountCents;
    }
    if (!(await repo.markDecided(conn, claimId, { decision: d.decision, reason: d.reason, adminId, refundCents: cents }, now))) {
      throw new Conflict('This claim is not waiting for a decision (it was decided already, or the seller may still answer).');
    }
    await refund(conn, c, cents, now);
    await tell(conn, c, 'decided', [c.buyerId, ...sellersOf(c.items)], cents);
    return { ...c, status: 'decided', decision: d.decision, decisionReason: d.reason, refundCents: cents };
  });
}

/** The seller received the returned books: their stock goes back to catalog (each line once). */
export async function returnReceived(pool: Pool, catalog: CatalogPort, sellerId: number, claimId: number, now = new Date()): Promise<void> {
  const claim = await repo.findClaim(pool, claimId);
  if (!claim) throw new NotFound('There is no such claim.');
  const purchase = await purchasesRepo.findPurchase(pool, claim.purchaseId);
  const parcel = await deliveriesRepo.findDelivery(pool, claim.deliveryId);
  if (!purchase || !parcel) throw new NotFound('There is no such claim.');
  const items = itemsOfParcel(parcel, await purchasesRepo.listItems(pool, claim.purchaseId));
  if (!isSellerOf(items, sellerId)) throw new Forbidden('Only the seller of this parcel can answer this claim.');
  if (!claim.refundCents || claim.reason === 'not_received') throw new Conflict('No books come back for this claim.');
  if (claim.returnReceivedAt) throw new Conflict('You already marked the returned books received.');
  // Catalog returns each line once, so a retry after a failure here is safe.
  await catalog.returnLines(purchase.reservationKey, items.map((i) => i.bookId));
  if (!(await repo.markReturnReceived(pool, claimId, now))) throw new Conflict('You already marked the returned books received.');
}

export const listClaimsOfPurchase = repo.listClaimsOfPurchase;
export const listClaimsOfSeller = (pool: Pool, sellerId: number) => repo.listClaimsOfSeller(pool, sellerId, 50);
export const listClaimsToDecide = (pool: Pool, now = new Date()) => repo.listClaimsToDecide(pool, now, 100);
export const findClaim = repo.findClaim;
