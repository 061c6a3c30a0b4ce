import { Router } from 'express';
import type { Pool } from '../db/pool.js';
import { countUsers, listUsers } from '../accounts/accounts.repo.js';
import { requireAdmin } from '../http/guards.js';
import { pageFromQuery, pagination } from '../http/pagination.js';

const PER_PAGE = 50;

export function adminRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  router.use('/admin', requireAdmin);

  router.get('/admin/users', async (req, res) => {
    const page = pageFromQuery(req.query.page);
    const [total, users] = await Promise.all([countUsers(pool), listUsers(pool, PER_PAGE, (page - 1) * PER_PAGE)]);
    res.render('admin/users', { title: 'Accounts', users, pager: pagination(page, PER_PAGE, total, req.query) });
  });

  return router;
}
