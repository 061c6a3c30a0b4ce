// Pages after the purchase: the buyer's purchases (and cancelling), the seller's sales (and shipping), public tracking.
import { Router } from 'express';
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { flash } from '../http/flash.js';
import { requireLogin } from '../http/guards.js';
import { pageFromQuery, pagination } from '../http/pagination.js';
import { requireId } from '../http/validate.js';
import type { Language } from '../i18n/i18n.js';
import * as deliveries from './deliveries.service.js';
import * as history from './history.service.js';
import * as purchases from './purchases.service.js';

const PER_PAGE = 20;

export function historyRoutes({ pool, config, catalog }: { pool: Pool; config: Config; catalog: CatalogPort }): Router {
  const router = Router();

  // ---- Purchases ----

  router.get('/purchases', requireLogin, async (req, res) => {
    const page = pageFromQuery(req.query.page);
    const { total, purchases: list } = await history.buyerPurchases(pool, req.user!.id, page, PER_PAGE);
    res.render('orders/purchases', { title: 'Your purchases', purchases: list, pager: pagination(page, PER_PAGE, total, req.query) });
  });

  router.get('/purchases/:id', requireLogin, async (req, res) => {
    const detail = await history.purchaseDetail(pool, requireId(req.params.id), req.user!);
    const { t } = res.locals.language as Language;
    const parcels = detail.parcels.map((p) => ({ ...p, events: p.events.map((e) => ({ ...e, note: deliveries.eventNote(t, e.note) })) }));
    res.render('orders/purchase', { title: 'Purchase #{id}', titleParams: { id: detail.purchase.id }, ...detail, parcels, now: new Date() });
  });

  router.post('/purchases/:id/cancel', requireLogin, async (req, res) => {
    const purchaseId = requireId(req.params.id);
    await purchases.cancelByBuyer(pool, catalog, req.user!.id, purchaseId);
    req.log.info({ event: 'purchase_cancelled', purchaseId, userId: req.user!.id }, 'purchase cancelled by buyer');
    flash(req, 'success', 'Your purchase was cancelled and nothing was charged.');
    res.redirect(`/purchases/${purchaseId}`);
  });

  // ---- Sales ----

  router.get('/sales', requireLogin, async (req, res) => {
    const page = pageFromQuery(req.query.page);
    const [{ total, sales, totals }, chart] = await Promise.all([
      history.sellerSales(pool, req.user!.id, page, PER_PAGE),
      history.revenueChart(pool, req.user!.id),
    ]);
    res.render('orders/sales', { title: 'Your sales', sales, totals, chart, pager: pagination(page, PER_PAGE, total, req.query) });
  });

  router.post('/sales/:purchase_id/ship', requireLogin, async (req, res) => {
    const purchaseId = requireId(req.params.purchase_id);
    await deliveries.ship(pool, req.user!.id, purchaseId, config.deliverySpeedup);
    req.log.info({ event: 'purchase_shipped', purchaseId, userId: req.user!.id }, 'shipped');
    flash(req, 'success', 'Purchase #{id} is marked as shipped.', { id: purchaseId });
    res.redirect('/sales');
  });

  // ---- Public tracking: no names, addresses or items, only the parcel's progress ----

  router.get('/track', (req, res) => {
    const q = typeof req.query.tracking_number === 'string' ? req.query.tracking_number.trim().toUpperCase() : '';
    if (deliveries.TRACKING_NUMBER.test(q)) return res.redirect(`/track/${q}`);
    res.status(q ? 404 : 200).render('orders/track-form', { title: 'Track a parcel', query: q, notFound: q !== '' });
  });

  router.get('/track/:tracking_number', async (req, res) => {
    const { delivery, events } = await deliveries.trackingView(pool, String(req.params.tracking_number).toUpperCase());
    const { t } = res.locals.language as Language;
    res.render('orders/track', {
      title: 'Tracking {number}',
      titleParams: { number: delivery.trackingNumber ?? '' },
      trackingNumber: delivery.trackingNumber,
      providerName: delivery.providerName,
      status: delivery.status,
      events: events.map((e) => ({ ...e, note: deliveries.eventNote(t, e.note) })),
      steps: history.timeline(null, events),
    });
  });

  return router;
}
