// SQL for stock reservations (book_reservations and their items) and the stock they move.
import type { Db, RowDataPacket } from '../db/pool.js';

/** Is any reservation of this book still holding stock (held or committed, not released)? */
export async function hasOpenReservation(db: Db, bookId: number): Promise<boolean> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT 1 FROM book_reservation_items i JOIN book_reservations r ON r.id = i.reservation_id
      WHERE i.book_id = ? AND r.state <> 'released' LIMIT 1`,
    [bookId],
  );
  return rows.length > 0;
}
