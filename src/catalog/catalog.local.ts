// The in-process CatalogPort: catalog's services on the app's pool.
import type { Pool } from '../db/pool.js';
import type { CatalogPort } from './catalog.port.js';
import { booksForSale } from './catalog.service.js';
import * as reservations from './reservations.service.js';
import * as sellerStats from './seller-stats.repo.js';

export function localCatalog(pool: Pool): CatalogPort {
  return {
    booksForSale: (ids) => booksForSale(pool, ids),
    reserve: (key, lines, { holdUntil }) => reservations.reserve(pool, key, lines, holdUntil),
    commit: (key) => reservations.commit(pool, key),
    release: (key) => reservations.release(pool, key),
    returnLines: (key, bookIds) => reservations.returnLines(pool, key, bookIds),
    publishSellerStats: (stats) => sellerStats.publish(pool, stats),
  };
}
