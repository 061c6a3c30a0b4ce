// Pages for starting a purchase: buy now, the cart and its checkout.
import { Router, type Request, type Response } from 'express';
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { Invalid } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { requireLogin } from '../http/guards.js';
import { parseInput, requireId, typedValues } from '../http/validate.js';
import * as cart from './cart.service.js';
import * as deliveries from './deliveries.service.js';
import { notForSale, SoldOut } from './orders.errors.js';
import { buySchema, cartAddSchema, cartRemoveSchema, cartUpdateSchema, checkoutSchema } from './orders.schema.js';
import { nextStepHref } from './orders.view.js';
import type { Language } from '../i18n/i18n.js';
import * as purchases from './purchases.service.js';

export function cartRoutes({ pool, config, catalog }: { pool: Pool; config: Config; catalog: CatalogPort }): Router {
  const router = Router();
  const ttl = config.purchaseTtlMinutes;

  /** After buy now or checkout: a new purchase goes on to delivery; a repeated submit to where it stands. */
  async function continuePurchase(req: Request, res: Response, { purchase, created }: purchases.PurchaseResult, fromCart: boolean) {
    if (created) {
      req.log.info({ event: 'purchase_created', purchaseId: purchase.id, userId: req.user!.id, fromCart }, 'purchase created');
      return res.redirect(`/delivery/${purchase.id}`);
    }
    flash(req, 'info', 'You already placed this order; here it is.');
    res.redirect(nextStepHref(purchase, await deliveries.everyParcelChosen(pool, purchase.id)));
  }

  const soldOut = (res: Response, err: SoldOut) =>
    res.status(409).render('orders/sold-out', { title: 'Sold out', message: (res.locals.language as Language).t(err.template, err.params), bookId: err.bookId });

  // ---- Buy now ----

  async function renderBuy(req: Request, res: Response, status: number, errors: Record<string, string>, values: Record<string, string>) {
    const [book] = await catalog.booksForSale([requireId(req.params.book_id)]);
    if (!book || !book.listed) throw notForSale();
    res.status(status).render('orders/buy', { title: 'Buy {title}', titleParams: { title: book.title }, book, errors, values });
  }

  router.get('/buy/:book_id', requireLogin, (req, res) => renderBuy(req, res, 200, {}, { quantity: '1' }));

  router.post('/buy/:book_id', requireLogin, async (req, res) => {
    const bookId = requireId(req.params.book_id);
    try {
      const input = parseInput(buySchema, req.body);
      const result = await purchases.createPurchase(pool, catalog, {
        buyerId: req.user!.id,
        lines: [{ bookId, quantity: input.quantity }],
        checkoutToken: input.checkout_token,
        ttlMinutes: ttl,
      });
      await continuePurchase(req, res, result, false);
    } catch (err) {
      if (err instanceof SoldOut) return soldOut(res, err);
      if (err instanceof Invalid) return renderBuy(req, res, 422, err.fields, typedValues(req.body, ['quantity']));
      throw err;
    }
  });

  // ---- Cart ----

  router.get('/cart', requireLogin, async (req, res) => {
    res.render('orders/cart', { title: 'Your cart', cart: await cart.viewCart(pool, catalog, req.user!.id) });
  });

  router.post('/cart/add', requireLogin, async (req, res) => {
    const input = parseInput(cartAddSchema, req.body);
    const title = await cart.addToCart(pool, catalog, req.user!.id, input.book_id, input.quantity);
    flash(req, 'success', '“{title}” is in your cart.', { title });
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
      res.status(422).render('orders/cart', { title: 'Your cart', cart: await cart.viewCart(pool, catalog, req.user!.id), errors: err.fields });
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
      await continuePurchase(req, res, await cart.checkout(pool, catalog, req.user!.id, input.checkout_token, ttl), true);
    } catch (err) {
      if (err instanceof SoldOut) return soldOut(res, err);
      throw err;
    }
  });

  return router;
}
