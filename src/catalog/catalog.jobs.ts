// Catalog's periodic job: a reservation still held past its hold (its caller crashed between
// reserving and recording the purchase) is released, so no stock is lost.
import type { Pool } from '../db/pool.js';
import type { Job } from '../jobs.js';
import { releaseExpiredHolds } from './reservations.service.js';

const RELEASE_EVERY_MS = 60_000;

export function catalogJobs(pool: Pool): Job[] {
  return [{ name: 'release-expired-holds', everyMs: RELEASE_EVERY_MS, run: () => releaseExpiredHolds(pool) }];
}

