// Accounts' admin pages: the list of accounts, roles, disabling and enabling (auth's when split).
import { Router } from 'express';
import type { Pool } from '../db/pool.js';
import { flash } from '../http/flash.js';
import { requireAdmin } from '../http/guards.js';
import { pageFromQuery, pagination } from '../http/pagination.js';
import { parseInput, requireId } from '../http/validate.js';
import { countUsers, listUsers } from './accounts.service.js';
import { roleSchema } from './accounts.schema.js';
import * as admin from './admin.service.js';

const PER_PAGE = 50;

/** Accounts' admin pages (the auth service's when split). */
export function adminAccountsRoutes({ pool }: { pool: Pool }): Router {
  const router = Router();
  router.use('/admin', requireAdmin);

  router.get('/admin/users', async (req, res) => {
    const page = pageFromQuery(req.query.page);
    const [total, users] = await Promise.all([countUsers(pool), listUsers(pool, PER_PAGE, (page - 1) * PER_PAGE)]);
    res.render('admin/users', { title: 'Accounts', users, pager: pagination(page, PER_PAGE, total, req.query) });
  });

  router.post('/admin/users/:id/role', async (req, res) => {
    const userId = requireId(req.params.id);
    const { role } = parseInput(roleSchema, req.body);
    await admin.changeRole(pool, req.user!.id, userId, role);
    req.log.info({ event: 'role_changed', userId, role, by: req.user!.id }, 'role changed');
    flash(req, 'success', role === 'admin' ? 'The account is now an administrator.' : 'The account is now a regular user.');
    res.redirect('/admin/users');
  });

  for (const [action, disabled] of [['disable', true], ['enable', false]] as const) {
    router.post(`/admin/users/:id/${action}`, async (req, res) => {
      const userId = requireId(req.params.id);
      const email = await admin.setDisabled(pool, req.user!.id, userId, disabled);
      req.log.info({ event: disabled ? 'account_disabled' : 'account_enabled', userId, by: req.user!.id }, `account ${action}d`);
      flash(req, 'success', disabled ? '{email} is disabled and has been logged out everywhere.' : '{email} can log in again.', { email });
      res.redirect('/admin/users');
    });
  }

  return router;
}
