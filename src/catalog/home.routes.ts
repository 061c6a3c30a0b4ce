// The shop's home page: the newest listed books (catalog's, so it is served where catalog is).
import { Router } from 'express';
import type { Pool } from '../db/pool.js';
import { PublicPages } from '../http/public-pages.js';
import { recentBooks } from './catalog.pages.js';
import { presentCard } from './catalog.view.js';

export function homeRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  const publicPages = new PublicPages(16);
  router.get('/', async (req, res, next) => {
    const recent = (await recentBooks(pool, 8)).map(presentCard);
    publicPages.render(req, res, next, 'site/home', { title: 'Second-hand books, first-hand stories', recent });
  });
  return router;
}
