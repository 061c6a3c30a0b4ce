// The order pages, mounted as one router: buy now and cart, delivery and payment, purchases, sales and tracking.
import { Router } from 'express';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { cartRoutes } from './cart.routes.js';
import { checkoutRoutes } from './checkout.routes.js';
import { historyRoutes } from './history.routes.js';
import { ordersLocals } from './orders.view.js';

export function ordersRoutes({ pool, config }: { pool: Pool; config: Config }): Router {
  const router = Router();
  router.use(ordersLocals);
  router.use(cartRoutes({ pool, config }));
  router.use(checkoutRoutes({ pool }));
  router.use(historyRoutes({ pool, config }));
  return router;
}
