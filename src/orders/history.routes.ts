// Pages after the purchase: the buyer's purchases (cancelling, and cancelling a paid parcel with a
// refund), the seller's sales (shipping, declining), public tracking.
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
import * as refunds from './refunds.service.js';
import * as claims from './claims.service.js';
import { REASON_LABELS } from './claims.routes.js';

const PER_PAGE = 20;

/** Why a parcel was cancelled, as its page says it. */
const CANCEL_NOTES: Record<string, string> = {
  buyer: 'You cancelled this parcel before it shipped; its books and shipping were refunded.',
  seller_declined: 'The seller could not send this parcel; its books and shipping were refunded.',
  deadline: 'The seller did not ship it by its ship-by date, so it was cancelled; its books and shipping were refunded.',
};

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
    const parcelClaims = await claims.listClaimsOfPurchase(pool, detail.purchase.id);
    const now = new Date();
    const parcels = detail.parcels.map((p) => {
      const own = parcelClaims.filter((c) => c.deliveryId === p.delivery?.id);
      const until = p.delivery ? claims.claimableUntil(p.delivery, config.claimBusinessDays) : null;
      // A claim can be opened while the window is open and no claim on the parcel is still open.
      const canClaim = until !== null && until >= now && !own.some((c) => ['open', 'answered', 'disputed'].includes(c.status));
      return { ...p, claims: own, claimUntil: until, canClaim, events: p.events.map((e) => ({ ...e, note: deliveries.eventNote(t, e.note) })) };
    });
    res.render('orders/purchase', { title: 'Purchase #{id}', titleParams: { id: detail.purchase.id }, ...detail, parcels, cancelNotes: CANCEL_NOTES, reasonLabels: REASON_LABELS, now });
  });

  router.post('/purchases/:id/cancel', requireLogin, async (req, res) => {
    const purchaseId = requireId(req.params.id);
    await purchases.cancelByBuyer(pool, catalog, req.user!.id, purchaseId);
    req.log.info({ event: 'purchase_cancelled', purchaseId, userId: req.user!.id }, 'purchase cancelled by buyer');
    flash(req, 'success', 'Your purchase was cancelled and nothing was charged.');
    res.redirect(`/purchases/${purchaseId}`);
  });

  // Cancel and refund a paid parcel that has not shipped (the other parcels are untouched).
  router.post('/purchases/:id/parcels/:parcel_id/cancel', requireLogin, async (req, res) => {
    const purchaseId = requireId(req.params.id);
    const { refund } = await refunds.cancelParcel(pool, catalog, purchaseId, { buyerId: req.user!.id, parcelId: requireId(req.params.parcel_id) });
    req.log.info({ event: 'parcel_cancelled', purchaseId, parcelId: refund.deliveryId, refundId: refund.id, userId: req.user!.id }, 'parcel cancelled and refunded by buyer');
    const { money } = res.locals.language as Language;
    flash(req, 'success', 'The parcel was cancelled and {amount} was refunded to your payment method.', { amount: money(refund.amountCents) });
    res.redirect(`/purchases/${purchaseId}`);
  });

  // ---- Sales ----

  router.get('/sales', requireLogin, async (req, res) => {
    const page = pageFromQuery(req.query.page);
    const [{ total, sales, totals }, chart, openClaims] = await Promise.all([
      history.sellerSales(pool, req.user!.id, page, PER_PAGE),
      history.revenueChart(pool, req.user!.id),
      claims.listClaimsOfSeller(pool, req.user!.id),
    ]);
    res.render('orders/sales', { title: 'Your sales', sales, totals, chart, claims: openClaims, reasonLabels: REASON_LABELS, pager: pagination(page, PER_PAGE, total, req.query) });
  });

  router.post('/sales/:purchase_id/ship', requireLogin, async (req, res) => {
    const purchaseId = requireId(req.params.purchase_id);
    await deliveries.ship(pool, req.user!.id, purchaseId, config.deliverySpeedup);
    req.log.info({ event: 'purchase_shipped', purchaseId, userId: req.user!.id }, 'shipped');
    flash(req, 'success', 'Purchase #{id} is marked as shipped.', { id: purchaseId });
    res.redirect('/sales');
  });

  // The seller cannot send their parcel: it is cancelled and refunded (and counts against them).
  router.post('/sales/:purchase_id/decline', requireLogin, async (req, res) => {
    const purchaseId = requireId(req.params.purchase_id);
    await refunds.cancelParcel(pool, catalog, purchaseId, { sellerId: req.user!.id });
    req.log.info({ event: 'parcel_declined', purchaseId, userId: req.user!.id }, 'parcel declined by seller');
    flash(req, 'success', 'You declined sale #{id}: the buyer was refunded and the books are back on sale.', { id: purchaseId });
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
