import { Router, type RequestHandler } from 'express';
import type { Pool } from '../db/pool.js';
import { recentBooks } from '../catalog/catalog.service.js';
import { present } from '../catalog/catalog.view.js';
import { cacheableBriefly } from '../http/locals.js';

/** The balancer's liveness check: answers without touching the database. */
export const ping: RequestHandler = (_req, res) => {
  res.type('text/plain').send('pong');
};

/** Health endpoints: mounted before sessions so the load balancer's checks create nothing. */
export function healthRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  router.get('/healthz', async (req, res) => {
    try {
      await pool.query({ sql: 'SELECT 1', timeout: 2000 });
      res.json({ db: 'ok' });
    } catch (err) {
      req.log.warn({ err }, 'health check: database unreachable');
      res.status(503).json({ db: 'unreachable' });
    }
  });
  return router;
}

export function homeRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  router.get('/', async (_req, res) => {
    const recent = (await recentBooks(pool, 8)).map(present);
    cacheableBriefly(res);
    res.render('site/home', { title: 'Second-hand books, first-hand stories', recent });
  });
  return router;
}
