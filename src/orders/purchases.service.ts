// Making purchases (buy now and cart checkout), cancelling them and the expiry sweep. The stock is
// catalog's: a purchase takes it through a reservation (CatalogPort), as a saga of local steps
//   1. reserve the lines in catalog (idempotent by a key made of buyer and checkout token),
//   2. write the purchase with a copy of what was reserved (title, author, price, seller),
//   3. on any failure after 1, release the reservation.
// A crash between 1 and 2 leaves a held reservation that catalog releases when its hold ends (a
// little after the purchase would have expired), so no stock is lost and a purchase never exists
// without its reservation. Paying commits the reservation (sold) before the purchase becomes paid;
// cancelling and expiry release it after the purchase is cancelled, and the release is retried
// until it is recorded. Every status change is a compare-and-set whose affectedRows decides who won.
import type { CatalogPort, BookForSale, Refusal, StockLine } from '../catalog/catalog.port.js';
import { isDuplicateKey, withTransaction, type Db, type Pool, type PoolConnection } from '../db/pool.js';
import { Conflict, Forbidden, Invalid, NotFound } from '../http/errors.js';
import * as cartRepo from './cart.repo.js';
import * as deliveriesRepo from './deliveries.repo.js';
import { notForSale, SoldOut } from './orders.errors.js';
import { queueBuyerMail } from './orders.mails.js';
import * as repo from './purchases.repo.js';
import { mergeLines } from '../stock-lines.js';
import { eachRow } from '../jobs.js';
import type { CancelReason, Purchase, PurchaseRef, ShipTo } from './purchases.repo.js';

/**
 * The most one purchase may cost before delivery. Prices go up to $1,000,000 and quantities to 100
 * a line, so without a cap a purchase could overflow its INT UNSIGNED totals (about $42.9 million);
 * this leaves room for any delivery cost on top.
 */
export const MAX_PURCHASE_CENTS = 1_000_000_000;
/** A reservation is held this long past its purchase's expiry before catalog may release it by itself. */
export const HOLD_GRACE_MS = 5 * 60_000;
/** A cancel whose release did not finish is retried by the sweep after this long. */
export const RELEASE_RETRY_AFTER_MS = 60_000;

export type Line = StockLine;

export interface PurchaseResult {
  purchase: Purchase;
  /** false when the checkout token had already made this purchase (a double submit). */
  created: boolean;
}

/** The reservation of the purchase this buyer's checkout token makes: the same for every retry. */
export function reservationKey(buyerId: number, checkoutToken: string): string {
  return `purchase:${buyerId}:${checkoutToken}`;
}

const tooExpensive = () =>
  new Invalid({ quantity: 'One purchase can cost at most $10,000,000.00. Buy fewer copies, or split it into several purchases.' }); // MAX_PURCHASE_CENTS

/** A refused line whose book is no longer for sale: from a cart it is a conflict (remove it), else a 404. */
function noLongerForSale(book: BookForSale | undefined, fromCart: boolean | undefined): Error {
  if (fromCart) return book ? new Conflict('“{title}” is no longer for sale. Remove it from your cart and try again.', { title: book.title }) : new Conflict('A book in your cart is no longer for sale. Remove it from your cart and try again.');
  return notForSale();
}

function notEnough(title: string, bookId: number, stock: number): SoldOut {
  if (stock === 0) return new SoldOut('Sorry, “{title}” could not be reserved: it is sold out.', bookId, { title });
  return new SoldOut(stock === 1 ? 'Sorry, “{title}” could not be reserved: only 1 copy is left.' : 'Sorry, “{title}” could not be reserved: only {stock} copies are left.', bookId, { title, stock });
}

function refused(refusal: Refusal, books: Map<number, BookForSale>, fromCart: boolean | undefined): Error {
  const book = books.get(refusal.bookId);
  if (refusal.reason === 'not_for_sale') return noLongerForSale(book, fromCart);
  return notEnough(book?.title ?? 'This book', refusal.bookId, refusal.stock);
}

/**
 * Creates one pending purchase for the lines, reserving their stock, or returns the purchase the
 * same checkout token already made. Prices come from catalog's reservation, never from the request.
 */
export async function createPurchase(
  pool: Pool,
  catalog: CatalogPort,
  opts: { buyerId: number; lines: Line[]; checkoutToken: string; ttlMinutes: number; fromCart?: boolean; now?: Date },
): Promise<PurchaseResult> {
  const { buyerId, checkoutToken, fromCart } = opts;
  const existing = await repo.findPurchaseByToken(pool, buyerId, checkoutToken);
  if (existing) return { purchase: existing, created: false };
  let lines = mergeLines(opts.lines);
  if (lines.length === 0) throw new Conflict('Your cart is empty.');
  const now = opts.now ?? new Date();
  const expiresAt = new Date(now.getTime() + opts.ttlMinutes * 60_000);

  // Why not, before anything is taken: gone, unlisted, the buyer's own, too dear. Too few copies is
  // left to the reservation: a double click's second submit may find the stock its twin just took,
  // and catalog answers it that twin's reservation (same key) instead of "sold out".
  const books = new Map((await catalog.booksForSale(lines.map((l) => l.bookId))).map((b) => [b.id, b]));
  if (fromCart) {
    // A book deleted from the catalog simply leaves the cart (as its row would have with it).
    const gone = lines.filter((l) => !books.has(l.bookId)).map((l) => l.bookId);
    if (gone.length) {
      await cartRepo.removeFromCart(pool, buyerId, gone);
      lines = lines.filter((l) => books.has(l.bookId));
      if (lines.length === 0) throw new Conflict('Your cart is empty.');
    }
  }
  let estimate = 0;
  for (const line of lines) {
    const book = books.get(line.bookId);
    if (!book || !book.listed) throw noLongerForSale(book, fromCart);
    if (book.sellerId === buyerId) throw new Forbidden('“{title}” is your own book: you cannot buy it.', { title: book.title });
    estimate += book.priceCents * line.quantity;
  }
  if (estimate > MAX_PURCHASE_CENTS) throw tooExpensive();

  // 1. Reserve. The conditional UPDATEs in catalog are the real guard; the checks above only explain.
  const key = reservationKey(buyerId, checkoutToken);
  const outcome = await catalog.reserve(key, lines, { holdUntil: new Date(expiresAt.getTime() + HOLD_GRACE_MS) });
  if ('refused' in outcome) throw refused(outcome.refused, books, fromCart);
  const reservation = outcome.reserved;
  if (reservation.state === 'released') {
    // This token's earlier attempt reserved and gave the stock back (it failed, or was abandoned).
    const made = await repo.findPurchaseByToken(pool, buyerId, checkoutToken);
    if (made) return { purchase: made, created: false };
    throw new Conflict('This form has expired. Reload the page and try again.');
  }

  // 2. Write the purchase, as reserved (a double submit with the same token shares the reservation).
  try {
    const itemsCents = reservation.lines.reduce((sum, l) => sum + l.unitPriceCents * l.quantity, 0);
    if (itemsCents > MAX_PURCHASE_CENTS) throw tooExpensive(); // a price went up since the check above
    const id = await withTransaction(pool, async (conn) => {
      // Claiming the token first makes a concurrent duplicate wait here, then fail on the unique key.
      const purchaseId = await repo.insertPurchase(conn, { buyerId, checkoutToken, reservationKey: key, itemsCents, createdAt: now, expiresAt });
      await repo.insertItems(conn, purchaseId, reservation.lines);
      if (fromCart) await cartRepo.removeFromCart(conn, buyerId, reservation.lines.map((l) => l.bookId));
      await queueBuyerMail(conn, 'purchase_placed', purchaseId);
      return purchaseId;
    });
    const purchase: Purchase = {
      id,
      buyerId,
      checkoutToken,
      reservationKey: key,
      status: 'pending_payment',
      itemsCents,
      shippingCents: 0,
      totalCents: itemsCents,
      expiresAt,
      paidAt: null,
      cancelledAt: null,
      cancelReason: null,
      createdAt: now,
      shipTo: null,
    };
    return { purchase, created: true };
  } catch (err) {
    // A duplicate submit that raced this one (or finished first) made the purchase: return it,
    // and keep the reservation it shares.
    const made = await repo.findPurchaseByToken(pool, buyerId, checkoutToken);
    if (made) return { purchase: made, created: false };
    // 3. Compensate. Should the release fail too, catalog releases the hold when it ends.
    await catalog.release(key).catch(() => false);
    if (isDuplicateKey(err)) throw new Conflict('This form was already submitted. Open your purchases to see it.');
    throw err;
  }
}

/** The purchase for its buyer: 404 if there is none, 403 if it belongs to someone else. */
export async function purchaseOfBuyer(db: Db, purchaseId: number, buyerId: number, lock = false): Promise<Purchase> {
  const purchase = lock ? await repo.lockPurchase(db, purchaseId) : await repo.findPurchase(db, purchaseId);
  if (!purchase) throw new NotFound('There is no such purchase.');
  if (purchase.buyerId !== buyerId) throw new Forbidden('This purchase belongs to another account.');
  return purchase;
}

/** Copies where a pending purchase of this buyer ships (the API's address on buy). */
export async function shipPurchaseTo(pool: Pool, buyerId: number, purchaseId: number, shipTo: ShipTo, now = new Date()): Promise<void> {
  const purchase = await purchaseOfBuyer(pool, purchaseId, buyerId);
  assertPending(purchase, now, 'change where it ships');
  if (!(await repo.setShipTo(pool, purchaseId, shipTo))) throw new Conflict('This purchase changed meanwhile; where it ships cannot be changed.');
}

export const EXPIRED_MESSAGE = 'This purchase expired before it was paid, so you cannot {action}. Its books went back on sale.';

/** 409 unless the purchase still waits for payment and has not expired. */
export function assertPending(purchase: Purchase, now: Date, action: string): void {
  if (purchase.status === 'paid') throw new Conflict('This purchase is already paid, so you cannot {action}.', { action });
  if (purchase.status === 'cancelled') throw new Conflict('This purchase was cancelled, so you cannot {action}.', { action });
  if (purchase.expiresAt <= now) throw new Conflict(EXPIRED_MESSAGE, { action });
}

/**
 * pending_payment → cancelled by compare-and-set (and its pending parcels with it); true if this
 * call won. `onlyIfExpired`: the sweep's condition. The stock goes back afterwards (releaseStock).
 */
async function cancelInside(conn: PoolConnection, purchaseId: number, now: Date, reason: CancelReason, onlyIfExpired: boolean): Promise<boolean> {
  const cancelled = onlyIfExpired ? await repo.markExpiredCancelled(conn, purchaseId, now) : await repo.markCancelled(conn, purchaseId, now, reason);
  if (!cancelled) return false;
  await deliveriesRepo.cancelPendingParcels(conn, purchaseId);
  await queueBuyerMail(conn, 'purchase_cancelled', purchaseId);
  return true;
}

/** The stock of a cancelled purchase back in catalog (release is idempotent), then recorded. */
async function releaseStock(pool: Pool, catalog: CatalogPort, purchase: PurchaseRef, now: Date): Promise<void> {
  await catalog.release(purchase.reservationKey);
  await repo.markStockReleased(pool, purchase.id, now);
}

export async function cancelByBuyer(pool: Pool, catalog: CatalogPort, buyerId: number, purchaseId: number, now = new Date()): Promise<void> {
  const purchase = await withTransaction(pool, async (conn) => {
    const purchase = await purchaseOfBuyer(conn, purchaseId, buyerId, true);
    if (purchase.status !== 'pending_payment') throw new Conflict(purchase.status === 'paid' ? 'This purchase is already paid and cannot be cancelled.' : 'This purchase is already cancelled and cannot be cancelled.');
    if (!(await cancelInside(conn, purchaseId, now, 'buyer', false))) throw new Conflict('This purchase changed meanwhile and cannot be cancelled.');
    return purchase;
  });
  // The purchase is cancelled whatever happens next: a release that fails is retried by the sweep.
  await releaseStock(pool, catalog, purchase, now).catch(() => undefined);
}

/** Called when catalog no longer holds the purchase's reservation: it can never be paid, so it is cancelled. */
export async function cancelWithoutStock(pool: Pool, purchaseId: number, now = new Date()): Promise<void> {
  if (await withTransaction(pool, (conn) => cancelInside(conn, purchaseId, now, 'expired', false))) await repo.markStockReleased(pool, purchaseId, now);
}

/**
 * Cancels purchases unpaid past their expiry and returns their stock; then retries the release of
 * cancelled purchases whose stock is not back yet. Safe with several instances sweeping at once:
 * each purchase is cancelled by one winner only, and catalog returns a reservation's stock once.
 * Returns how many purchases this call cancelled.
 */
export async function sweepExpired(pool: Pool, catalog: CatalogPort, now = new Date(), batch = 200): Promise<number> {
  // One purchase that cannot be cancelled or released must not hold back every purchase after it
  // (eachRow), nor the retries of releases after them.
  let cancelled = 0;
  const cancelling = eachRow(await repo.expiredPurchases(pool, now, batch), async (purchase) => {
    if (!(await withTransaction(pool, (conn) => cancelInside(conn, purchase.id, now, 'expired', true)))) return false;
    cancelled++;
    await releaseStock(pool, catalog, purchase, now);
    return true;
  });
  const failure = await cancelling.then(() => null, (err: unknown) => err as Error);
  const stale = await repo.unreleasedCancelled(pool, new Date(now.getTime() - RELEASE_RETRY_AFTER_MS), batch);
  await eachRow(stale, async (purchase) => (await releaseStock(pool, catalog, purchase, now), true));
  if (failure) throw failure;
  return cancelled;
}
