// Pages that finish a purchase: choose its delivery, then pay for it.
import { Router, type Request, type Response } from 'express';
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Pool } from '../db/pool.js';
import { Invalid } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { requireLogin } from '../http/guards.js';
import { parseInput, requireId, typedValues } from '../http/validate.js';
import * as deliveries from './deliveries.service.js';
import * as history from './history.service.js';
import { PaymentDeclined } from './orders.errors.js';
import { deliverySchema } from './orders.schema.js';
import * as payments from './payments.service.js';
import * as purchases from './purchases.service.js';

export function checkoutRoutes({ pool, catalog }: { pool: Pool; catalog: CatalogPort }): Router {
  const router = Router();

  /** The viewer's own purchase (not even an admin may pay for another), still waiting for payment. */
  async function pendingDetail(req: Request, action: string): Promise<history.PurchaseDetail> {
    const detail = await history.purchaseDetail(pool, requireId(req.params.purchase_id), { id: req.user!.id, role: 'buyer' });
    purchases.assertPending(detail.purchase, new Date(), action);
    return detail;
  }

  // ---- Delivery, then payment ----

  async function renderDelivery(req: Request, res: Response, status: number, errors: Record<string, string>) {
    const detail = await pendingDetail(req, 'choose its delivery');
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
    const detail = await pendingDetail(req, 'pay for it');
    if (!detail.delivery) {
      flash(req, 'info', 'Choose a delivery option first: its cost is part of the total.');
      return res.redirect(`/delivery/${detail.purchase.id}`);
    }
    res.status(status).render('orders/payment', { title: 'Payment', ...detail, errors, values, declined });
  }

  router.get('/payment/:purchase_id', requireLogin, (req, res) => renderPayment(req, res, 200, {}, { method: 'credit_card' }));

  router.post('/payment/:purchase_id', requireLogin, async (req, res) => {
    const purchaseId = requireId(req.params.purchase_id);
    // The card number and CVV are never sent back to the page.
    const values = typedValues(req.body, ['method', 'card_expiry', 'paypal_email', 'bank_name', 'bank_reference']);
    try {
      const { trackingNumber } = await payments.pay(pool, catalog, req.user!.id, purchaseId, req.body);
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

  return router;
}
