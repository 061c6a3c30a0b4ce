// Orders' admin pages: delivery providers and every purchase (the order service's when split).
import { Router, type Request, type Response } from 'express';
import type { Pool } from '../db/pool.js';
import type { AccountsPort } from '../accounts/accounts.port.js';
import { Invalid, NotFound } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { requireAdmin } from '../http/guards.js';
import { pageFromQuery, pagination } from '../http/pagination.js';
import { parseInput, requireId, typedValues } from '../http/validate.js';
import { moneyInput } from '../money.js';
import * as deliveries from './deliveries.service.js';
import * as history from './history.service.js';
import { providerSchema, purchaseStatusFilter } from './orders.schema.js';
import { ordersLocals } from './orders.view.js';

const PER_PAGE = 50;

/** Orders' admin pages: delivery providers and purchases (the order service's when split). */
export function adminOrdersRoutes({ pool, accounts }: { pool: Pool; accounts: AccountsPort }): Router {
  const router = Router();
  router.use('/admin', requireAdmin, ordersLocals);

  // ---- Delivery providers ----

  async function renderProviders(res: Response, status: number, errors: Record<string, string>, values: Record<string, string>) {
    const providers = await deliveries.listProviders(pool, true);
    res.status(status).render('admin/delivery-providers', { title: 'Delivery providers', providers, errors, values });
  }

  router.get('/admin/delivery_providers', (_req, res) => renderProviders(res, 200, {}, { delivery_hours: '72' }));

  router.post('/admin/delivery_providers', async (req, res) => {
    try {
      const input = parseInput(providerSchema, req.body);
      await deliveries.createProvider(pool, { name: input.name, coverage: input.coverage, costCents: input.cost, deliveryHours: input.delivery_hours });
      flash(req, 'success', '{name} was added.', { name: input.name });
      res.redirect('/admin/delivery_providers');
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      await renderProviders(res, 422, err.fields, typedValues(req.body, ['name', 'coverage', 'cost', 'delivery_hours']));
    }
  });

  async function renderProviderEdit(req: Request, res: Response, status: number, errors: Record<string, string>, values?: Record<string, string>) {
    const provider = await deliveries.findProvider(pool, requireId(req.params.id));
    if (!provider) throw new NotFound('There is no such delivery provider.');
    const shown = values ?? { name: provider.name, coverage: provider.coverage, cost: moneyInput(provider.costCents), delivery_hours: String(provider.deliveryHours) };
    res.status(status).render('admin/delivery-provider-edit', { title: 'Edit {name}', titleParams: { name: provider.name }, provider, errors, values: shown });
  }

  router.get('/admin/delivery_providers/:id', (req, res) => renderProviderEdit(req, res, 200, {}));

  router.post('/admin/delivery_providers/:id', async (req, res) => {
    const id = requireId(req.params.id);
    try {
      const input = parseInput(providerSchema, req.body);
      await deliveries.updateProvider(pool, id, { name: input.name, coverage: input.coverage, costCents: input.cost, deliveryHours: input.delivery_hours });
      flash(req, 'success', '{name} was saved. Purchases that already chose it keep their price.', { name: input.name });
      res.redirect('/admin/delivery_providers');
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      await renderProviderEdit(req, res, 422, err.fields, typedValues(req.body, ['name', 'coverage', 'cost', 'delivery_hours']));
    }
  });

  for (const [action, retired] of [['retire', true], ['restore', false]] as const) {
    router.post(`/admin/delivery_providers/:id/${action}`, async (req, res) => {
      await deliveries.setProviderRetired(pool, requireId(req.params.id), retired);
      flash(req, 'success', retired ? 'The provider is retired: buyers no longer see it.' : 'The provider is offered again.');
      res.redirect('/admin/delivery_providers');
    });
  }

  // ---- Purchases ----

  router.get('/admin/purchases', async (req, res) => {
    const page = pageFromQuery(req.query.page);
    const parsed = purchaseStatusFilter.safeParse(req.query.status);
    const status = parsed.success ? parsed.data : undefined;
    const { total, purchases: list } = await history.allPurchases(pool, status, page, PER_PAGE);
    // Orders know buyers by id; accounts knows their emails.
    const emails = new Map((await accounts.usersByIds(list.map((p) => p.buyerId))).map((u) => [u.id, u.email]));
    const purchases = list.map((p) => ({ ...p, buyerEmail: emails.get(p.buyerId) ?? '' }));
    res.render('admin/purchases', { title: 'All purchases', purchases, status: status ?? '', pager: pagination(page, PER_PAGE, total, req.query) });
  });

  return router;
}
