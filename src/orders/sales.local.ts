// The in-process SalesPort that catalog asks before deleting a book.
import type { SalesPort } from '../catalog/catalog.port.js';
import type { Pool } from '../db/pool.js';
import { wasSold } from './history.service.js';

export function localSales(pool: Pool): SalesPort {
  return { wasSold: (bookId) => wasSold(pool, bookId) };
}
