// The in-process AccountsPort: the accounts service on the app's pool.
import type { Pool } from '../db/pool.js';
import type { AccountsPort } from './accounts.port.js';
import { usersByIds, userForSession } from './accounts.service.js';

export function localAccounts(pool: Pool): AccountsPort {
  return { usersByIds: (ids) => usersByIds(pool, ids), sessionUser: (id, version) => userForSession(pool, id, version) };
}
