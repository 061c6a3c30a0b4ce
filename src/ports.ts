// How the features reach each other: through ports, never through each other's tables or repos.
// These are the monolith's (in-process, on one pool); each service wires the HTTP clients with the
// same types for what it does not own (src/services/*.ts).
import type { AccountsPort } from './accounts/accounts.port.js';
import { localAccounts } from './accounts/accounts.local.js';
import { localSessions } from './accounts/sessions.local.js';
import { sharedSecretClaims, type ClaimsVerifier } from './api/jwt.js';
import type { CatalogPort } from './catalog/catalog.port.js';
import { localCatalog } from './catalog/catalog.local.js';
import type { Config } from './config.js';
import type { Pool } from './db/pool.js';
import type { SessionRows } from './http/session.js';

export interface Ports {
  accounts: AccountsPort;
  /** Books for sale and their stock reservations, for orders. */
  catalog: CatalogPort;
  /** The shop's one session (accounts' table). */
  sessions: SessionRows;
  /** The API's bearer tokens: whose they are (signature checked); their account is asked of accounts. */
  apiClaims: ClaimsVerifier;
}

export function localPorts(pool: Pool, config: Pick<Config, 'jwtSecret'>): Ports {
  return { accounts: localAccounts(pool), catalog: localCatalog(pool), sessions: localSessions(pool), apiClaims: sharedSecretClaims(config) };
}
