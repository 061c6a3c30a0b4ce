// Making purchases (buy now and cart checkout), cancelling them and the expiry sweep.
// Stock is taken in the same transaction that records the purchase; every status change
// is a compare-and-set whose affectedRows decides who won.
import { isDuplicateKey, withTransaction, type Db, type Pool, type PoolConnection } from '../db/pool.js';
import { Conflict, Forbidden, Invalid, NotFound } from '../http/errors.js';
import { formatMoney } from '../money.js';
import * as cartRepo from './cart.repo.js';
import * as deliveriesRepo from './deliveries.repo.js';
import { SoldOut } from './orders.errors.js';
import * as repo from './purchases.repo.js';
import type { Purchase } from './purchases.repo.js';

/**
 * The most one purchase may cost before delivery. Prices go up to $1,000,000 and quantities to 100
 * a line, so without a cap a purchase could overflow its INT UNSIGNED totals (about $42.9 million);
 * this leaves room for any delivery cost on top.
 */
export const MAX_PURCHASE_CENTS = 1_000_000_000;

export interface Line {
  bookId: number;
  quantity: number;
}

export interface PurchaseResult {
  purchase: Purchase;
  /** false when the checkout token had already made this purchase (a double submit). */
  created: boolean;
}

function mergeLines(lines: Line[]): Line[] {
  const byBook = new Map<number, number>();
  for (const l of lines) byBook.set(l.bookId, (byBook.get(l.bookId) ?? 0) + l.quantity);
  // Books are locked in id order so that two checkouts never wait on each other in a cycle.
  return [...byBook.entries()].sort((a, b) => a[0] - b[0]).map(([bookId, quantity]) => ({ bookId, quantity }));
}

/**
 * Creates one pending purchase for the lines, taking their stock, or returns the purchase the
 * same checkout token already made. Prices are read from the books, never from the request.
 */
export async function createPurchase(
  pool: Pool,
  opts: { buyerId: number; lines: Line[]; checkoutToken: string; ttlMinutes: number; fromCart?: boolean; now?: Date },
): Promise<PurchaseResult> {
  const { buyerId, checkoutToken } = opts;
  const existing = await repo.findPurchaseByToken(pool, buyerId, checkoutToken);
  if (existing) return { purchase: existing, created: false };
  const lines = mergeLines(opts.lines);
  if (lines.length === 0) throw new Conflict('Your cart is empty.');
  const now = opts.now ?? new Date();
  try {
    const id = await withTransaction(pool, async (conn) => {
      // Claiming the token first makes a concurrent duplicate wait here, then fail on the unique key.
      const purchaseId = await repo.insertPurchase(conn, {
        buyerId,
        checkoutToken,
        itemsCents: 0,
        createdAt: now,
        expiresAt: new Date(now.getTime() + opts.ttlMinutes * 60_000),
      });
      let itemsCents = 0;
      for (const line of lines) {
        const book = await repo.lockBook(conn, line.bookId);
        if (!book || !book.listed) {
          if (opts.fromCart) throw new Conflict(`"${book?.title ?? 'A book in your cart'}" is no longer for sale. Remove it from your cart and try again.`);
          throw new NotFound('This book is not for sale.');
        }
        if (book.sellerId === buyerId) throw new Forbidden(`"${book.title}" is your own book: you cannot buy it.`);
        if (book.stock < line.quantity) {
          const left = book.stock === 0 ? 'it is sold out' : `only ${book.stock} ${book.stock === 1 ? 'copy is' : 'copies are'} left`;
          throw new SoldOut(`Sorry, "${book.title}" could not be reserved: ${left}.`, book.id);
        }
        // The conditional UPDATE is the real guard; the locked read above only explains a refusal.
        if (!(await repo.takeStock(conn, book.id, line.quantity))) throw new SoldOut(`Sorry, "${book.title}" is sold out.`, book.id);
        await repo.insertItem(conn, purchaseId, {
          bookId: book.id,
          sellerId: book.sellerId,
          title: book.title,
          author: book.author,
          quantity: line.quantity,
          unitPriceCents: book.priceCents,
        });
        itemsCents += book.priceCents * line.quantity;
        if (itemsCents > MAX_PURCHASE_CENTS) {
          throw new Invalid({ quantity: `One purchase can cost at most ${formatMoney(MAX_PURCHASE_CENTS)}. Buy fewer copies, or split it into several purchases.` });
        }
        if (opts.fromCart) await cartRepo.removeFromCart(conn, buyerId, book.id);
      }
      await repo.setItemsTotal(conn, purchaseId, itemsCents);
      return purchaseId;
    });
    const purchase = await repo.findPurchase(pool, id);
    if (!purchase) throw new Error('purchase vanished after commit');
    return { purchase, created: true };
  } catch (err) {
    // A duplicate submit that raced this one (or finished first) made the purchase: return it.
    const made = await repo.findPurchaseByToken(pool, buyerId, checkoutToken);
    if (made) return { purchase: made, created: false };
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

/** 409 unless the purchase still waits for payment and has not expired. */
export function assertPending(purchase: Purchase, now: Date, action: string): void {
  if (purchase.status === 'paid') throw new Conflict(`This purchase is already paid, so you cannot ${action}.`);
  if (purchase.status === 'cancelled') throw new Conflict(`This purchase was cancelled, so you cannot ${action}.`);
  if (purchase.expiresAt <= now) throw new Conflict(`This purchase expired before it was paid, so you cannot ${action}. Its books went back on sale.`);
}

/** Cancelled by its own transaction's compare-and-set: the stock goes back only if this call won. */
async function cancelInside(conn: PoolConnection, purchaseId: number, now: Date, reason: 'buyer' | 'expired'): Promise<boolean> {
  const won = await repo.markCancelled(conn, purchaseId, now, reason, reason === 'expired' ? now : undefined);
  if (!won) return false;
  for (const item of await repo.listItems(conn, purchaseId)) await repo.returnStock(conn, item.bookId, item.quantity);
  const delivery = await deliveriesRepo.findDeliveryByPurchase(conn, purchaseId);
  if (delivery) await deliveriesRepo.moveDelivery(conn, delivery.id, 'pending', 'cancelled', { nextStepAt: null });
  return true;
}

export async function cancelByBuyer(pool: Pool, buyerId: number, purchaseId: number, now = new Date()): Promise<void> {
  await withTransaction(pool, async (conn) => {
    const purchase = await purchaseOfBuyer(conn, purchaseId, buyerId, true);
    if (purchase.status !== 'pending_payment') throw new Conflict(`This purchase is ${purchase.status === 'paid' ? 'already paid' : 'already cancelled'} and cannot be cancelled.`);
    if (!(await cancelInside(conn, purchaseId, now, 'buyer'))) throw new Conflict('This purchase changed meanwhile and cannot be cancelled.');
  });
}

/**
 * Cancels purchases unpaid past their expiry and returns their stock. Safe with several
 * instances sweeping at once: each purchase is cancelled (and restocked) by one winner only.
 */
export async function sweepExpired(pool: Pool, now = new Date(), batch = 200): Promise<number> {
  let cancelled = 0;
  let firstError: Error | undefined;
  for (const id of await repo.expiredPurchaseIds(pool, now, batch)) {
    // One purchase that cannot be cancelled must not hold back every purchase after it.
    try {
      if (await withTransaction(pool, (conn) => cancelInside(conn, id, now, 'expired'))) cancelled++;
    } catch (err) {
      firstError ??= err instanceof Error ? err : new Error(String(err));
    }
  }
  if (firstError) throw firstError; // logged by the job, which runs again later
  return cancelled;
}
