// The SalesPort the catalog service answers itself. Split from orders, catalog still knows every book
// that was ever bought: each purchase line was a reservation here first, and reservations are never
// deleted. "Ever reserved" can be true for a purchase that then failed; such a book is unlisted
// instead of deleted, which keeps nothing wrong, only a row more.
import type { Pool } from '../db/pool.js';
import type { SalesPort } from './catalog.port.js';
import { wasEverReserved } from './reservations.repo.js';

export function reservationSales(pool: Pool): SalesPort {
  return { wasSold: (bookId) => wasEverReserved(pool, bookId) };
}
