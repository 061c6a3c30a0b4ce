// How the features reach each other: through ports, never through each other's tables or repos.
// This is the monolith's wiring (in-process implementations on one pool); a build that runs the
// features as separate services wires HTTP clients with the same types instead.
import type { AccountsPort } from './accounts/accounts.port.js';
import { localAccounts } from './accounts/accounts.local.js';
import type { CatalogPort } from './catalog/catalog.port.js';
import { localCatalog } from './catalog/catalog.local.js';
import type { Pool } from './db/pool.js';

export interface Ports {
  accounts: AccountsPort;
  /** Books for sale and their stock reservations, for orders. */
  catalog: CatalogPort;
}

export function localPorts(pool: Pool): Ports {
  return { accounts: localAccounts(pool), catalog: localCatalog(pool) };
}
