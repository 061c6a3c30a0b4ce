// The site's own routes: the liveness ping, the readiness check (/healthz) and the home page.
import { Router, type RequestHandler } from 'express';
import type { Pool, RowDataPacket } from '../db/pool.js';
import { outageSummary } from '../db/unavailable.js';
import { recentBooks } from '../catalog/catalog.pages.js';
import { presentCard } from '../catalog/catalog.view.js';
import { PublicPages } from '../http/public-pages.js';

/** The balancer's liveness check: answers without touching the database. */
export const ping: RequestHandler = (_req, res) => {
  res.setHeader('X-Content-Type-Options', 'nosniff');
  res.setHeader('Cache-Control', 'no-store');
  res.type('text/plain').send('pong');
};

/** Health endpoints: mounted before sessions so the load balancer's checks create nothing. */
export function healthRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  // The readiness check: 200 only when the database answers and takes writes. A replica not yet
  // promoted (or a fenced old primary) answers read-only: the balancer should not send checkouts here.
  router.get('/healthz', async (req, res) => {
    res.set('Cache-Control', 'no-store');
    try {
      const [rows] = await pool.query<RowDataPacket[]>({ sql: 'SELECT @@GLOBAL.read_only AS read_only', timeout: 2000 });
      if (Number(rows[0]?.read_only) === 1) return res.status(503).json({ db: 'read-only' });
      res.json({ db: 'ok' });
    } catch (err) {
      req.log.warn({ err: outageSummary(err) }, 'health check: database unreachable');
      res.status(503).json({ db: 'down' });
    }
  });
  return router;
}

export function homeRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  const publicPages = new PublicPages(16);
  router.get('/', async (req, res, next) => {
    const recent = (await recentBooks(pool, 8)).map(presentCard);
    publicPages.render(req, res, next, 'site/home', { title: 'Second-hand books, first-hand stories', recent });
  });
  return router;
}
