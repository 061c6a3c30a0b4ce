// Pages for buying: buy now, cart, delivery, payment, purchases, sales and public tracking.
import { Router, type Request, type Response } from 'express';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { Invalid, NotFound } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { requireLogin } from '../http/guards.js';
import { pageFromQuery, pagination } from '../http/pagination.js';
import { parseInput, requireId, typedValues } from '../http/validate.js';
import * as cart from './cart.service.js';
import * as deliveries from './deliveries.service.js';
import * as history from './history.service.js';
import { formatMoney } from './money.js';
import { PaymentDeclined, SoldOut } from './orders.errors.js';
import { buySchema, cartAddSchema, cartRemoveSchema, cartUpdateSchema, checkoutSchema, deliverySchema } from './orders.schema.js';
import * as payments from './payments.service.js';
import * as purchases from './purchases.service.js';
import { findBook, type Purchase } from './purchases.repo.js';

const PER_PAGE = 20;

/** "2026-11-28 06:19 UTC": every time on the pages is UTC, like the database. */
export function formatTime(d: Date | null): string {
  return d ? `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC` : '';
}

export const STATUS_LABELS: Record<string, string> = {
  pending_payment: 'Awaiting payment',
  paid: 'Paid',
  cancelled: 'Cancelled',
  pending: 'Not started',
  preparing: 'Preparing',
  shipped: 'Shipped',
  in_transit: 'In transit',
  delivered: 'Delivered',
};


/** Where a purchase continues: delivery, then payment, then its page. */
export function nextStepHref(purchase: Purchase, hasDelivery: boolean): string {
  if (purchase.status !== 'pending_payment') return `/purchases/${purchase.id}`;
  return hasDelivery ? `/payment/${purchase.id}` : `/delivery/${purchase.id}`;
}

export function ordersRoutes({ pool, config }: { pool: Pool; config: Config }): Router {
  const router = Router();
  const ttl = config.purchaseTtlMinutes;

  router.use((_req, res, next) => {
    res.locals.money = formatMoney;
    res.locals.formatTime = formatTime;
    res.locals.statusLabel = (s: string) => STATUS_LABELS[s] ?? s;
    next();
  });

  const soldOut = (res: Response, err: SoldOut) =>
    res.status(409).render('orders/sold-out', { title: 'Sold out', message: err.message, bookId: err.bookId });

  // ---- Buy now ----

  async function renderBuy(req: Request, res: Response, status: number, errors: Record<string, string>, values: Record<string, string>) {
    const book = await findBook(pool, requireId(req.params.book_id));
    if (!book || !book.listed) throw new NotFound('This book is not for sale.');
    res.status(status).render('orders/buy', { title: `Buy ${book.title}`, book, errors, values });
  }

  router.get('/buy/:book_id', requireLogin, (req, res) => renderBuy(req, res, 200, {}, { quantity: '1' }));

  router.post('/buy/:book_id', requireLogin, async (req, res) => {
    const bookId = requireId(req.params.book_id);
    try {
      const input = parseInput(buySchema, req.body);
      const { purchase, created } = await purchases.createPurchase(pool, {
        buyerId: req.user!.id,
        lines: [{ bookId, quantity: input.quantity }],
        checkoutToken: input.checkout_token,
        ttlMinutes: ttl,
      });
      if (!created) flash(req, 'info', 'You already placed this order; here it is.');
      else req.log.info({ event: 'purchase_created', purchaseId: purchase.id, userId: req.user!.id }, 'purchase created');
      const delivery = await deliveries.findDeliveryByPurchase(pool, purchase.id);
      res.redirect(created ? `/delivery/${purchase.id}` : nextStepHref(purchase, delivery !== null));
    } catch (err) {
      if (err instanceof SoldOut) return soldOut(res, err);
      if (err instanceof Invalid) return renderBuy(req, res, 422, err.fields, typedValues(req.body, ['quantity']));
      throw err;
    }
  });

  // ---- Cart ----

  router.get('/cart', requireLogin, async (req, res) => {
    res.render('orders/cart', { title: 'Your cart', cart: await cart.viewCart(pool, req.user!.id) });
  });

  router.post('/cart/add', requireLogin, async (req, res) => {
    const input = parseInput(cartAddSchema, req.body);
    const title = await cart.addToCart(pool, req.user!.id, input.book_id, input.quantity);
    flash(req, 'success', `"${title}" is in your cart.`);
    res.redirect('/cart');
  });

  router.post('/cart/update', requireLogin, async (req, res) => {
    try {
      const input = parseInput(cartUpdateSchema, req.body);
      await cart.updateCart(pool, req.user!.id, input.book_id, input.quantity);
      flash(req, 'success', input.quantity === 0 ? 'The book was removed from your cart.' : 'Your cart was updated.');
      res.redirect('/cart');
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      res.status(422).render('orders/cart', { title: 'Your cart', cart: await cart.viewCart(pool, req.user!.id), errors: err.fields });
    }
  });

  router.post('/cart/remove', requireLogin, async (req, res) => {
    const input = parseInput(cartRemoveSchema, req.body);
    await cart.removeFromCart(pool, req.user!.id, input.book_id);
    flash(req, 'success', 'The book was removed from your cart.');
    res.redirect('/cart');
  });

  router.post('/cart/checkout', requireLogin, async (req, res) => {
    try {
      const input = parseInput(checkoutSchema, req.body);
      const { purchase, created } = await cart.checkout(pool, req.user!.id, input.checkout_token, ttl);
      if (!created) flash(req, 'info', 'You already placed this order; here it is.');
      else req.log.info({ event: 'purchase_created', purchaseId: purchase.id, userId: req.user!.id, fromCart: true }, 'purchase created');
      const delivery = await deliveries.findDeliveryByPurchase(pool, purchase.id);
      res.redirect(created ? `/delivery/${purchase.id}` : nextStepHref(purchase, delivery !== null));
    } catch (err) {
      if (err instanceof SoldOut) return soldOut(res, err);
      throw err;
    }
  });

  // ---- Delivery, then payment ----

  async function renderDelivery(req: Request, res: Response, status: number, errors: Record<string, string>) {
    const purchaseId = requireId(req.params.purchase_id);
    const purchase = await purchases.purchaseOfBuyer(pool, purchaseId, req.user!.id);
    purchases.assertPending(purchase, new Date(), 'choose its delivery');
    const detail = await history.purchaseDetail(pool, purchaseId, req.user!);
    const providers = await deliveries.listProviders(pool);
    res.status(status).render('orders/delivery', { title: 'Choose a delivery', ...detail, providers, errors });
  }

  router.get('/delivery/:purchase_id', requireLogin, (req, res) => renderDelivery(req, res, 200, {}));

  router.post('/delivery/:purchase_id', requireLogin, async (req, res) => {
    const purchaseId = requireId(req.params.purchase_id);
    try {
      const input = parseInput(deliverySchema, req.body);
      await deliveries.chooseDelivery(pool, req.user!.id, purchaseId, input.provider_id);
      res.redirect(`/payment/${purchaseId}`);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      await renderDelivery(req, res, 422, err.fields);
    }
  });

  async function renderPayment(req: Request, res: Response, status: number, errors: Record<string, string>, values: Record<string, string>, declined: string | null = null) {
    const purchaseId = requireId(req.params.purchase_id);
    const purchase = await purchases.purchaseOfBuyer(pool, purchaseId, req.user!.id);
    purchases.assertPending(purchase, new Date(), 'pay for it');
    const detail = await history.purchaseDetail(pool, purchaseId, req.user!);
    if (!detail.delivery) {
      flash(req, 'info', 'Choose a delivery option first: its cost is part of the total.');
      return res.redirect(`/delivery/${purchaseId}`);
    }
    res.status(status).render('orders/payment', { title: 'Payment', ...detail, errors, values, declined });
  }

  router.get('/payment/:purchase_id', requireLogin, (req, res) => renderPayment(req, res, 200, {}, { method: 'credit_card' }));

  router.post('/payment/:purchase_id', requireLogin, async (req, res) => {
    const purchaseId = requireId(req.params.purchase_id);
    // The card number and CVV are never sent back to the page.
    const values = typedValues(req.body, ['method', 'card_expiry', 'paypal_email', 'bank_name', 'bank_reference']);
    try {
      const { trackingNumber } = await payments.pay(pool, req.user!.id, purchaseId, req.body);
      req.log.info({ event: 'purchase_paid', purchaseId, userId: req.user!.id }, 'purchase paid');
      flash(req, 'success', `Thank you! Your payment was received. Tracking number: ${trackingNumber}.`);
      res.redirect(`/purchases/${purchaseId}`);
    } catch (err) {
      if (err instanceof PaymentDeclined) {
        req.log.info({ event: 'payment_declined', purchaseId, userId: req.user!.id }, 'payment declined');
        return renderPayment(req, res, 402, {}, values, err.message);
      }
      if (err instanceof Invalid) return renderPayment(req, res, 422, err.fields, values);
      throw err;
    }
  });

  // ---- Purchases ----

  router.get('/purchases', requireLogin, async (req, res) => {
    const page = pageFromQuery(req.query.page);
    const { total, purchases: list } = await history.buyerPurchases(pool, req.user!.id, page, PER_PAGE);
    res.render('orders/purchases', { title: 'Your purchases', purchases: list, pager: pagination(page, PER_PAGE, total, req.query) });
  });

  router.get('/purchases/:id', requireLogin, async (req, res) => {
    const detail = await history.purchaseDetail(pool, requireId(req.params.id), req.user!);
    res.render('orders/purchase', { title: `Purchase #${detail.purchase.id}`, ...detail, now: new Date() });
  });

  router.post('/purchases/:id/cancel', requireLogin, async (req, res) => {
    const purchaseId = requireId(req.params.id);
    await purchases.cancelByBuyer(pool, req.user!.id, purchaseId);
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
    flash(req, 'success', `Purchase #${purchaseId} is marked as shipped.`);
    res.redirect('/sales');
  });

  // ---- Public tracking: no names, addresses or items, only the parcel's progress ----

  router.get('/track', (req, res) => {
    const q = typeof req.query.tracking_number === 'string' ? req.query.tracking_number.trim().toUpperCase() : '';
    if (/^BS[A-Z0-9]{10}$/.test(q)) return res.redirect(`/track/${q}`);
    res.status(q ? 404 : 200).render('orders/track-form', { title: 'Track a parcel', query: q, notFound: q !== '' });
  });

  router.get('/track/:tracking_number', async (req, res) => {
    const { delivery, events } = await deliveries.trackingView(pool, String(req.params.tracking_number).toUpperCase());
    res.render('orders/track', {
      title: `Tracking ${delivery.trackingNumber ?? ''}`,
      trackingNumber: delivery.trackingNumber,
      providerName: delivery.providerName,
      status: delivery.status,
      events,
      steps: history.timeline(null, events),
    });
  });

  return router;
}
