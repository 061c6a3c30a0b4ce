// Pages that finish a purchase: choose its delivery, then pay for it.
import { Router, type Request, type Response } from 'express';
import type { AccountsPort } from '../accounts/accounts.port.js';
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { Invalid } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { requireLogin } from '../http/guards.js';
import { requireId, typedValues } from '../http/validate.js';
import * as deliveries from './deliveries.service.js';
import * as history from './history.service.js';
import { PaymentDeclined } from './orders.errors.js';
import { providerChoice } from './orders.schema.js';
import { COUNTRY_CODES } from '../countries.js';
import * as payments from './payments.service.js';
import * as purchases from './purchases.service.js';
import { resolveShipTo, shipToChoice } from './ship-to.js';

/** The new-address fields of the delivery form, kept when it comes back with errors. */
const NEW_ADDRESS_FIELDS = ['address_id', 'recipient', 'line1', 'line2', 'city', 'region', 'postal_code', 'country', 'phone'] as const;

export function checkoutRoutes({ pool, config, catalog, accounts }: { pool: Pool; config: Config; catalog: CatalogPort; accounts: AccountsPort }): Router {
  const router = Router();

  /** The viewer's own purchase (not even an admin may pay for another), still waiting for payment. */
  async function pendingDetail(req: Request, action: string): Promise<history.PurchaseDetail> {
    const detail = await history.purchaseDetail(pool, requireId(req.params.purchase_id), { id: req.user!.id, role: 'buyer' });
    purchases.assertPending(detail.purchase, new Date(), action);
    return detail;
  }

  // ---- Delivery, then payment ----

  // Where and how: the address (one of the buyer's, preselecting the one chosen before or the
  // default, or a new one typed right here) and the carrier, in one form.
  async function renderDelivery(req: Request, res: Response, status: number, errors: Record<string, string>, values: Record<string, string> = {}) {
    const detail = await pendingDetail(req, 'choose its delivery');
    const [providers, addresses] = await Promise.all([deliveries.listProviders(pool), accounts.addressesOfUser(req.user!.id)]);
    // One box per seller, each with its carrier: the one typed, else the one chosen before.
    const boxes = detail.parcels.map((parcel) => {
      const field = deliveries.providerField(parcel.sellerId, detail.parcels.length);
      return { ...parcel, field, chosen: values[field] ?? values.provider_id ?? (parcel.delivery ? String(parcel.delivery.providerId) : '') };
    });
    const previous = addresses.find((a) => a.id === detail.purchase.shipTo?.addressId) ?? addresses.find((a) => a.isDefault);
    const chosenAddress = values.address_id || (previous ? String(previous.id) : 'new');
    res.status(status).render('orders/delivery', {
      title: 'Choose a delivery',
      ...detail,
      providers,
      errors,
      addresses,
      chosenAddress,
      boxes,
      addressValues: { country: 'CO', ...values },
      countries: COUNTRY_CODES,
    });
  }

  router.get('/delivery/:purchase_id', requireLogin, (req, res) => renderDelivery(req, res, 200, {}));

  router.post('/delivery/:purchase_id', requireLogin, async (req, res) => {
    const providerFields = Object.keys((req.body ?? {}) as object).filter((k) => /^provider_id(_\d{1,10})?$/.test(k));
    const values = typedValues(req.body, [...NEW_ADDRESS_FIELDS, ...providerFields]);
    try {
      // Ownership and state first: nothing (not even a new address) is saved for someone else's purchase.
      const { purchase } = await pendingDetail(req, 'choose its delivery');
      const choice = providerChoice(req.body);
      const where = shipToChoice(req.body);
      if (!where) throw new Invalid({ address_id: 'Choose where to ship the books.' });
      const shipTo = await resolveShipTo(accounts, req.user!.id, where);
      // A new address is in the address book now: should the carrier fail, the form offers it as chosen.
      if (shipTo.addressId) values.address_id = String(shipTo.addressId);
      await deliveries.chooseDelivery(pool, req.user!.id, purchase.id, choice, { shipTo });
      res.redirect(`/payment/${purchase.id}`);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      await renderDelivery(req, res, 422, err.fields, values);
    }
  });

  async function renderPayment(req: Request, res: Response, status: number, errors: Record<string, string>, values: Record<string, string>, declined: string | null = null) {
    const detail = await pendingDetail(req, 'pay for it');
    if (!(await deliveries.everyParcelChosen(pool, detail.purchase.id)) || !detail.purchase.shipTo) {
      flash(req, 'info', 'Choose where to ship and a delivery option first: its cost is part of the total.');
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
      const { trackingNumbers } = await payments.pay(pool, catalog, req.user!.id, purchaseId, req.body, { shipByDays: config.shipByBusinessDays });
      req.log.info({ event: 'purchase_paid', purchaseId, userId: req.user!.id }, 'purchase paid');
      if (trackingNumbers.length === 1) flash(req, 'success', 'Thank you! Your payment was received. Tracking number: {tracking}.', { tracking: trackingNumbers[0]! });
      else flash(req, 'success', 'Thank you! Your payment was received. Your books travel in {n} parcels: {tracking}.', { n: trackingNumbers.length, tracking: trackingNumbers.join(', ') });
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
