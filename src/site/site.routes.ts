// The routes every app has before its features: the liveness ping and the readiness check (/healthz).
import { Router, type RequestHandler } from 'express';
import type { Pool, RowDataPacket } from '../db/pool.js';
import { outageSummary } from '../db/unavailable.js';

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
