// Accounts' periodic job: expired sessions are deleted (a read already treats them as gone; this
// only keeps the table small). Every instance may run it: a DELETE by expiry twice deletes once.
import type { Pool } from '../db/pool.js';
import type { Job } from '../jobs.js';
import { deleteExpiredSessions } from './accounts.service.js';

const PURGE_EVERY_MS = 15 * 60_000;

export function accountsJobs(pool: Pool): Job[] {
  return [{ name: 'purge-expired-sessions', everyMs: PURGE_EVERY_MS, run: () => deleteExpiredSessions(pool, Math.round(Date.now() / 1000)) }];
}
