// The monolith: every feature's unit in one app, on one pool, with the in-process ports.
import type { Config } from './config.js';
import type { Pool } from './db/pool.js';
import type { Logger } from './logger.js';
import { accountsUnit } from './accounts/accounts.unit.js';
import { sharedSecretTokens } from './api/jwt.js';
import { catalogUnit } from './catalog/catalog.unit.js';
import { compose, type Composed } from './compose.js';
import { NotFound } from './http/errors.js';
import { MONOLITH } from './http/urls.js';
import { ordersUnit } from './orders/orders.unit.js';
import { localPorts, type Ports } from './ports.js';

export interface AppDeps {
  config: Config;
  pool: Pool;
  logger: Logger;
  /** Name of the database behind the pool (the login limiter addresses its table by it). */
  database: string;
}

export interface BookStoreApp extends Composed {
  /** How the features reach each other in this app (in-process, on the pool). */
  ports: Ports;
}

/** Builds the monolith without listening or starting its jobs. */
export function createApp({ config, pool, logger, database }: AppDeps): BookStoreApp {
  const ports = localPorts(pool, config);
  const { accounts, catalog, sessions, apiClaims } = ports;
  const units = [
    catalogUnit({ config, pool, accounts, apiClaims }),
    accountsUnit({ config, pool, database, tokens: sharedSecretTokens(config) }),
    ordersUnit({ config, pool, accounts, catalog, apiClaims }),
  ];
  // Every feature is in-process: nobody calls /internal here.
  const composed = compose(units, { config, logger, pool, urls: MONOLITH, sessions, internalGuard: (_req, _res, next) => next(new NotFound()) });
  return { ...composed, ports };
}
