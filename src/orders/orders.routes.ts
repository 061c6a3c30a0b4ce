// The order pages, mounted as one router: buy now and cart, delivery and payment, purchases, sales and tracking.
import { Router } from 'express';
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { cartRoutes } from './cart.routes.js';
import { checkoutRoutes } from './checkout.routes.js';
import { historyRoutes } from './history.routes.js';
import { ordersLocals } from './orders.view.js';

export function ordersRoutes({ pool, config, catalog }: { pool: Pool; config: Config; catalog: CatalogPort }): Router {
  const router = Router();
  router.use(ordersLocals);
  router.use(cartRoutes({ pool, config, catalog }));
  router.use(checkoutRoutes({ pool, catalog }));
  router.use(historyRoutes({ pool, config, catalog }));
  return router;
}
