// The orders feature as one unit: cart, checkout, purchases, sales and tracking pages, orders' admin,
// the orders API and the expiry, delivery and idempotency-key jobs. It asks nothing of its own over
// /internal; it reaches catalog and accounts through their ports.
import type { AccountsPort } from '../accounts/accounts.port.js';
import { bearerGuard, type ClaimsVerifier } from '../api/jwt.js';
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Unit } from '../compose.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { adminOrdersRoutes } from './admin.routes.js';
import { ordersApiRoutes } from './orders.api.js';
import { orderJobs } from './orders.jobs.js';
import { ordersRoutes } from './orders.routes.js';

export interface OrdersDeps {
  config: Config;
  pool: Pool;
  accounts: AccountsPort;
  catalog: CatalogPort;
  /** How the API's bearer tokens are checked (their account is then asked of accounts). */
  apiClaims: ClaimsVerifier;
}

export function ordersUnit({ config, pool, accounts, catalog, apiClaims }: OrdersDeps): Unit {
  return {
    assets: [],
    api: [ordersApiRoutes({ config, pool, bearer: bearerGuard(apiClaims, accounts), catalog, accounts })],
    internal: [],
    pages: [
      { at: '/', router: ordersRoutes({ pool, config, catalog, accounts }) },
      { at: '/', router: adminOrdersRoutes({ pool, accounts }) },
    ],
    jobs: orderJobs({ pool, config, catalog }),
  };
}
