// Stock reservations: the only way another feature takes or returns a book's stock.
//   reserve  every line or none, in one transaction: one conditional UPDATE per book (locked in id
//            order, so two reservations never wait on each other in a cycle), never below zero;
//            idempotent by key (a UNIQUE key claimed first), so a retry reserves nothing twice.
//   commit   held → committed: the stock is sold and no longer goes back by itself.
//   release  → released: the stock goes back once, whoever calls it and however often.
//   returnLines  some lines of a committed reservation go back, each once (a cancelled parcel).
//   sweep    a held reservation nobody committed or released by its holdUntil (its caller crashed
//            between reserving and recording what it reserved for) is released; compare-and-set,
//            so several instances may sweep at once.
import { isDuplicateKey, withTransaction, type Pool } from '../db/pool.js';
import type { Refusal, Reservation, ReserveOutcome, ReservedLine, StockLine } from './catalog.port.js';
import * as books from './catalog.repo.js';
import * as repo from './reservations.repo.js';
import { mergeLines } from '../stock-lines.js';
import { eachRow } from '../jobs.js';

const MAX_KEY_LENGTH = 100;

class Refused extends Error {
  constructor(readonly refusal: Refusal) {
    super(`reservation refused: book ${refusal.bookId} ${refusal.reason}`);
  }
}

function answer(r: repo.StoredReservation): Reservation {
  return { key: r.key, state: r.state, holdUntil: r.holdUntil, lines: r.lines };
}

/** Merges lines of the same book and sorts them by book id (the locking order), refusing a malformed line. */
function checkedLines(lines: StockLine[]): StockLine[] {
  for (const l of lines) {
    if (!Number.isSafeInteger(l.bookId) || l.bookId < 1 || !Number.isSafeInteger(l.quantity) || l.quantity < 1) {
      throw new RangeError(`not a stock line: ${JSON.stringify(l)}`);
    }
  }
  return mergeLines(lines);
}

export async function reserve(pool: Pool, key: string, lines: StockLine[], until: Date, now = new Date()): Promise<ReserveOutcome> {
  if (key.length === 0 || key.length > MAX_KEY_LENGTH) throw new RangeError('a reservation key has 1 to 100 characters');
  // Whole seconds, as DATETIME keeps it: the first answer and a repeated one are the same.
  const holdUntil = new Date(Math.floor(until.getTime() / 1000) * 1000);
  const merged = checkedLines(lines);
  if (merged.length === 0) throw new RangeError('a reservation needs at least one line');
  try {
    return await withTransaction(pool, async (conn) => {
      // The key first: a repeated key fails here on the unique key (and is answered below).
      const id = await repo.insertReservation(conn, key, holdUntil, now);
      for (const line of merged) {
        if (!(await repo.takeStock(conn, line.bookId, line.quantity))) {
          const book = await books.findBook(conn, line.bookId);
          const forSale = book !== null && book.listed;
          throw new Refused({ bookId: line.bookId, reason: forSale ? 'sold_out' : 'not_for_sale', stock: forSale ? book.stock : 0 });
        }
      }
      // The books as they are now: their rows are locked by the UPDATEs above until the commit.
      const current = new Map((await books.findBooksByIds(conn, merged.map((l) => l.bookId))).map((b) => [b.id, b]));
      const reserved: ReservedLine[] = merged.map((l) => {
        const b = current.get(l.bookId)!;
        return { ...l, title: b.title, author: b.author, sellerId: b.sellerId, sellerName: b.sellerName, unitPriceCents: b.priceCents };
      });
      await repo.insertLines(conn, id, reserved);
      return { reserved: { key, state: 'held' as const, holdUntil, lines: reserved } };
    });
  } catch (err) {
    // Nothing was taken (the transaction rolled back), so the key is free to be tried again.
    if (err instanceof Refused) return { refused: err.refusal };
    // The same key reserved before, or at the same moment by another call: answer what it reserved.
    if (isDuplicateKey(err)) {
      const made = await repo.findReservation(pool, key);
      if (made) return { reserved: answer(made) };
    }
    throw err;
  }
}

export async function commit(pool: Pool, key: string, now = new Date()): Promise<boolean> {
  if (await repo.markCommitted(pool, key, now)) return true;
  return (await repo.findReservation(pool, key))?.state === 'committed';
}

/** Releases the reservation (held or committed) and returns its stock, once; `heldUntilBy` is the sweep's condition. */
async function releaseOnce(pool: Pool, key: string, now: Date, heldUntilBy?: Date): Promise<boolean> {
  const found = await repo.findReservation(pool, key);
  if (!found || found.state === 'released') return false;
  return withTransaction(pool, async (conn) => {
    const released = heldUntilBy ? await repo.markHoldEnded(conn, found.id, now, heldUntilBy) : await repo.markReleased(conn, found.id, now);
    if (!released) return false;
    // Lines are in book id order; a line already returned on its own (returnLines) is not returned again.
    for (const line of found.lines) if (await repo.markLineReturned(conn, found.id, line.bookId, now)) await repo.returnStock(conn, line.bookId, line.quantity);
    return true;
  });
}

/**
 * Returns the stock of some lines of a committed (sold) reservation, each line exactly once: a parcel
 * cancelled after payment. True if this call returned any line. A held reservation goes back whole
 * (release); an unknown or released one returns nothing.
 */
export async function returnLines(pool: Pool, key: string, bookIds: number[], now = new Date()): Promise<boolean> {
  const found = await repo.findReservation(pool, key);
  if (!found || found.state !== 'committed') return false;
  const lines = found.lines.filter((l) => bookIds.includes(l.bookId)); // in book id order
  if (lines.length === 0) return false;
  return withTransaction(pool, async (conn) => {
    let returned = false;
    for (const line of lines) {
      if (!(await repo.markLineReturned(conn, found.id, line.bookId, now))) continue;
      await repo.returnStock(conn, line.bookId, line.quantity);
      returned = true;
    }
    return returned;
  });
}

export function release(pool: Pool, key: string, now = new Date()): Promise<boolean> {
  return releaseOnce(pool, key, now);
}

/** Releases every held reservation whose hold ended by `now`; returns how many this call released. */
export async function releaseExpiredHolds(pool: Pool, now = new Date(), batch = 200): Promise<number> {
  return eachRow(await repo.expiredHolds(pool, now, batch), (key) => releaseOnce(pool, key, now, now));
}
