// Catalog's periodic job: a reservation still held past its hold (its caller crashed between
// reserving and recording the purchase) is released, so no stock is lost.
import type { Pool } from '../db/pool.js';
import { startJobs, type Jobs } from '../jobs.js';
import type { Logger } from '../logger.js';
import { releaseExpiredHolds } from './reservations.service.js';

const RELEASE_EVERY_MS = 60_000;

export function startCatalogJobs({ pool, logger }: { pool: Pool; logger: Logger }): Jobs {
  return startJobs(logger, [{ name: 'release-expired-holds', everyMs: RELEASE_EVERY_MS, run: () => releaseExpiredHolds(pool) }]);
}
