// The order pages, mounted as one router: buy now and cart, delivery and payment, purchases, sales,
// claims and tracking.
import { Router } from 'express';
import type { AccountsPort } from '../accounts/accounts.port.js';
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { cartRoutes } from './cart.routes.js';
import { checkoutRoutes } from './checkout.routes.js';
import { claimsRoutes } from './claims.routes.js';
import { historyRoutes } from './history.routes.js';
import { ordersLocals } from './orders.view.js';

export function ordersRoutes({ pool, config, catalog, accounts }: { pool: Pool; config: Config; catalog: CatalogPort; accounts: AccountsPort }): Router {
  const router = Router();
  router.use(ordersLocals);
  router.use(cartRoutes({ pool, config, catalog }));
  router.use(checkoutRoutes({ pool, config, catalog, accounts }));
  router.use(historyRoutes({ pool, config, catalog }));
  router.use(claimsRoutes({ pool, config, catalog }));
  return router;
}
