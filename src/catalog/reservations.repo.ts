// SQL for stock reservations (book_reservations and their items) and the stock they move.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';
import type { Reservation, ReservationState, ReservedLine } from './catalog.port.js';

export interface StoredReservation extends Reservation {
  id: number;
}

/** The reservation with this key and its lines (in book id order), or null. */
export async function findReservation(db: Db, key: string): Promise<StoredReservation | null> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT r.id, r.reservation_key, r.state, r.hold_until, i.book_id, i.quantity, i.title, i.author, i.seller_id, i.seller_name, i.unit_price_cents
       FROM book_reservations r LEFT JOIN book_reservation_items i ON i.reservation_id = r.id
      WHERE r.reservation_key = ? ORDER BY i.book_id`,
    [key],
  );
  const first = rows[0];
  if (!first) return null;
  return {
    id: first.id as number,
    key: first.reservation_key as string,
    state: first.state as ReservationState,
    holdUntil: first.hold_until as Date,
    lines: rows.filter((r) => r.book_id !== null).map(toLine),
  };
}

function toLine(row: RowDataPacket): ReservedLine {
  return {
    bookId: row.book_id as number,
    quantity: row.quantity as number,
    title: row.title as string,
    author: row.author as string,
    sellerId: row.seller_id as number,
    sellerName: row.seller_name as string,
    unitPriceCents: row.unit_price_cents as number,
  };
}

/** Claims the key: a concurrent reserve with the same key waits here, then fails on the unique key. */
export async function insertReservation(db: Db, key: string, holdUntil: Date, now: Date): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    "INSERT INTO book_reservations (reservation_key, state, hold_until, created_at) VALUES (?, 'held', ?, ?)",
    [key, holdUntil, now],
  );
  return result.insertId;
}

export async function insertLines(db: Db, reservationId: number, lines: ReservedLine[]): Promise<void> {
  if (lines.length === 0) return;
  await db.execute(
    'INSERT INTO book_reservation_items (reservation_id, book_id, quantity, title, author, seller_id, seller_name, unit_price_cents) VALUES ' +
      lines.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', '),
    lines.flatMap((l) => [reservationId, l.bookId, l.quantity, l.title, l.author, l.sellerId, l.sellerName, l.unitPriceCents]),
  );
}

/** Takes stock only if enough is left of a listed book: false means another buyer got there first. */
export async function takeStock(db: Db, bookId: number, quantity: number): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>('UPDATE books SET stock = stock - ? WHERE id = ? AND stock >= ? AND listed = 1', [
    quantity,
    bookId,
    quantity,
  ]);
  return result.affectedRows === 1;
}

/** Marks a line's stock returned by compare-and-set: true once per line, whoever asks. */
export async function markLineReturned(db: Db, reservationId: number, bookId: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    'UPDATE book_reservation_items SET returned_at = ? WHERE reservation_id = ? AND book_id = ? AND returned_at IS NULL',
    [now, reservationId, bookId],
  );
  return result.affectedRows === 1;
}

export async function returnStock(db: Db, bookId: number, quantity: number): Promise<void> {
  // Capped at the catalog's most (CHECK stock <= 10000): a seller may have restocked meanwhile.
  await db.execute('UPDATE books SET stock = LEAST(stock + ?, 10000) WHERE id = ?', [quantity, bookId]);
}

/** held → committed by compare-and-set. */
export async function markCommitted(db: Db, key: string, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    "UPDATE book_reservations SET state = 'committed', committed_at = ? WHERE reservation_key = ? AND state = 'held'",
    [now, key],
  );
  return result.affectedRows === 1;
}

/** → released by compare-and-set, from any state but released (release: exactly once). */
export async function markReleased(db: Db, id: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>("UPDATE book_reservations SET state = 'released', released_at = ? WHERE id = ? AND state <> 'released'", [now, id]);
  return result.affectedRows === 1;
}

/** held → released, only if its hold ended by `heldUntilBy` (the sweep), so a commit that came first wins. */
export async function markHoldEnded(db: Db, id: number, now: Date, heldUntilBy: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    "UPDATE book_reservations SET state = 'released', released_at = ? WHERE id = ? AND state = 'held' AND hold_until <= ?",
    [now, id, heldUntilBy],
  );
  return result.affectedRows === 1;
}

/** Held reservations whose hold ended: left behind by a caller that never committed or released them. */
export async function expiredHolds(db: Db, now: Date, limit: number): Promise<string[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    "SELECT reservation_key FROM book_reservations WHERE state = 'held' AND hold_until <= ? ORDER BY hold_until LIMIT ?",
    [now, String(limit)],
  );
  return rows.map((r) => r.reservation_key as string);
}

/** Was this book ever in a reservation (whatever became of it)? Every purchase line had one. */
export async function wasEverReserved(db: Db, bookId: number): Promise<boolean> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT 1 FROM book_reservation_items WHERE book_id = ? LIMIT 1', [bookId]);
  return rows.length > 0;
}
