// The orders JSON API: the same services and rules as the pages, bearer tokens only.
import { randomUUID } from 'node:crypto';
import { Router, type RequestHandler } from 'express';
import { z } from 'zod';
import type { AccountsPort } from '../accounts/accounts.port.js';
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { pageFromQuery } from '../http/pagination.js';
import { parseInput, requireId } from '../http/validate.js';
import * as deliveries from './deliveries.service.js';
import * as history from './history.service.js';
import type { ParcelDetail, PurchaseDetail } from './history.service.js';
import { summariseParcels } from './parcels.js';
import { idempotent } from './idempotency.js';
import { checkoutToken, claimAnswerSchema, claimSchema, providerChoice, quantity } from './orders.schema.js';
import * as claims from './claims.service.js';
import type { Claim } from './claims.repo.js';
import * as payments from './payments.service.js';
import type { PurchaseSummary } from './history.repo.js';
import * as purchases from './purchases.service.js';
import * as refunds from './refunds.service.js';
import type { Refund } from './refunds.repo.js';
import { checkShipTo, resolveShipTo, shipNewPurchase, shipToChoice } from './ship-to.js';
import { NOT_FOR_SALE } from './orders.errors.js';

const PER_PAGE = 20;

// The same rules as the buy form; without a checkout_token, the Idempotency-Key header protects retries.
const apiBuySchema = z.object({ quantity, checkout_token: checkoutToken.optional() });

function summaryJson(p: PurchaseSummary) {
  return {
    id: p.id,
    status: p.status,
    totalCents: p.totalCents,
    itemCount: p.itemCount,
    firstTitle: p.firstTitle,
    deliveryStatus: p.deliveryStatus,
    refundedCents: p.refundedCents,
    createdAt: p.createdAt,
    expiresAt: p.status === 'pending_payment' ? p.expiresAt : null,
  };
}

function parcelJson(p: ParcelDetail) {
  const { delivery } = p;
  return {
    sellerId: p.sellerId,
    sellerName: p.sellerName,
    items: p.items.map((i) => ({ bookId: i.bookId, quantity: i.quantity })),
    delivery: delivery && {
      id: delivery.id,
      providerId: delivery.providerId,
      provider: delivery.providerName,
      status: delivery.status,
      costCents: delivery.costCents,
      trackingNumber: delivery.trackingNumber,
      shipBy: delivery.shipBy,
      shippedAt: delivery.shippedAt,
      cancelledAt: delivery.cancelledAt,
      cancelReason: delivery.cancelReason,
      events: p.events.map((e) => ({ status: e.status, note: e.note, at: e.createdAt })),
    },
  };
}

function claimJson(c: Claim) {
  return {
    id: c.id,
    purchaseId: c.purchaseId,
    parcelId: c.deliveryId,
    reason: c.reason,
    message: c.message,
    status: c.status,
    respondBy: c.respondBy,
    sellerAnswer: c.sellerAnswer,
    decision: c.decision,
    decisionReason: c.decisionReason,
    refundCents: c.refundCents,
    createdAt: c.createdAt,
  };
}

function refundJson(r: Refund) {
  return { id: r.id, parcelId: r.deliveryId, cause: r.cause, itemsCents: r.itemsCents, shippingCents: r.shippingCents, amountCents: r.amountCents, refundedAt: r.createdAt };
}

/** A purchase as `viewer` (its buyer, or an administrator) may see it. */
function detailJson(d: PurchaseDetail, viewer: { id: number }) {
  const { purchase: p } = d;
  return {
    id: p.id,
    status: p.status,
    itemsCents: p.itemsCents,
    shippingCents: p.shippingCents,
    totalCents: p.totalCents,
    createdAt: p.createdAt,
    expiresAt: p.expiresAt,
    paidAt: p.paidAt,
    cancelledAt: p.cancelledAt,
    // The whole address for its buyer; city and country for an administrator (history.shipToFor).
    shippingAddress: history.shipToFor(d, viewer.id),
    items: d.items.map((i) => ({ bookId: i.bookId, title: i.title, author: i.author, quantity: i.quantity, unitPriceCents: i.unitPriceCents, shippedAt: i.shippedAt })),
    // The first parcel (the only one of a purchase from one seller), as before parcels; then every parcel.
    delivery: d.parcels[0] ? parcelJson(d.parcels[0])?.delivery ?? null : null,
    deliveryStatus: summariseParcels(d.parcels.filter((p) => p.delivery).map((p) => p.delivery!.status)),
    parcels: d.parcels.map(parcelJson),
    refunds: d.refunds.map(refundJson),
    claims: d.claims.map(claimJson),
    refundedCents: d.refunds.reduce((sum, r) => sum + r.amountCents, 0),
    payment: d.payment && {
      method: d.payment.method,
      amountCents: d.payment.amountCents,
      cardBrand: d.payment.cardBrand,
      cardLast4: d.payment.cardLast4,
      paidAt: d.payment.createdAt,
    },
  };
}

/** Mounted by the API router, which has already parsed the JSON body. */
export function ordersApiRoutes({ config, pool, bearer, catalog, accounts }: { config: Config; pool: Pool; bearer: RequestHandler; catalog: CatalogPort; accounts: AccountsPort }): Router {
  const router = Router();
  const once = idempotent(pool);
  router.use(['/purchases', '/buy', '/delivery', '/payment', '/delivery_providers', '/sales', '/claims'], bearer);

  router.get('/delivery_providers', async (_req, res) => {
    const providers = await deliveries.listProviders(pool);
    res.json({ providers: providers.map((p) => ({ id: p.id, name: p.name, coverage: p.coverage, costCents: p.costCents, deliveryHours: p.deliveryHours })) });
  });

  router.get('/purchases', async (req, res) => {
    const page = pageFromQuery(req.query.page);
    const { total, purchases: list } = await history.buyerPurchases(pool, req.apiUser!.id, page, PER_PAGE);
    res.json({ purchases: list.map(summaryJson), page, pages: Math.max(1, Math.ceil(total / PER_PAGE)), total });
  });

  router.get('/purchases/:id', async (req, res) => {
    const id = requireId(req.params.id, 'There is no such purchase.');
    res.json({ purchase: detailJson(await history.purchaseDetail(pool, id, req.apiUser!), req.apiUser!) });
  });

  router.post('/buy/:book_id', once, async (req, res) => {
    const bookId = requireId(req.params.book_id, NOT_FOR_SALE);
    const input = parseInput(apiBuySchema, req.body);
    const buyerId = req.apiUser!.id;
    // `address_id` (one of the buyer's) or `address` (a new one, for the address book): checked
    // before anything is reserved, so a bad address takes no stock; a new one is saved only once the
    // purchase exists, so a buy that cannot be made (own, unknown or sold-out book) saves nothing.
    const choice = shipToChoice(req.body);
    const checked = choice && (await checkShipTo(accounts, buyerId, choice));
    const { purchase, created } = await purchases.createPurchase(pool, catalog, {
      buyerId,
      lines: [{ bookId, quantity: input.quantity }],
      checkoutToken: input.checkout_token ?? randomUUID(),
      ttlMinutes: config.purchaseTtlMinutes,
    });
    if (checked) await shipNewPurchase({ pool, catalog, accounts }, buyerId, { purchase, created }, checked);
    const detail = await history.purchaseDetail(pool, purchase.id, req.apiUser!);
    res.status(created ? 201 : 200).json({ purchase: detailJson(detail, req.apiUser!), created });
  });

  router.post('/delivery/:id', once, async (req, res) => {
    const id = requireId(req.params.id, 'There is no such purchase.');
    await purchases.purchaseOfBuyer(pool, id, req.apiUser!.id); // someone else's purchase: 403 before its input is looked at
    const choice = providerChoice(req.body);
    // A paid or cancelled purchase, or an unknown carrier, is refused before a new address is saved.
    await deliveries.checkDelivery(pool, req.apiUser!.id, id, choice);
    const where = shipToChoice(req.body);
    const shipTo = where ? await resolveShipTo(accounts, req.apiUser!.id, where) : undefined;
    await deliveries.chooseDelivery(pool, req.apiUser!.id, id, choice, { shipTo });
    res.json({ purchase: detailJson(await history.purchaseDetail(pool, id, req.apiUser!), req.apiUser!) });
  });

  router.post('/payment/:id', once, async (req, res) => {
    const id = requireId(req.params.id, 'There is no such purchase.');
    const { trackingNumbers } = await payments.pay(pool, catalog, req.apiUser!.id, id, req.body, { shipByDays: config.shipByBusinessDays });
    req.log.info({ event: 'purchase_paid', purchaseId: id, userId: req.apiUser!.id, via: 'api' }, 'purchase paid');
    // trackingNumber: the first parcel's (the only one of a purchase from one seller, as before).
    res.status(201).json({ purchase: detailJson(await history.purchaseDetail(pool, id, req.apiUser!), req.apiUser!), trackingNumber: trackingNumbers[0], trackingNumbers });
  });

  // Cancel and refund a paid parcel that has not shipped (its buyer), or decline one (its seller).
  router.post('/purchases/:id/parcels/:parcel_id/cancel', once, async (req, res) => {
    const id = requireId(req.params.id, 'There is no such purchase.');
    const parcelId = requireId(req.params.parcel_id, 'There is no such parcel.');
    const { refund } = await refunds.cancelParcel(pool, catalog, id, { buyerId: req.apiUser!.id, parcelId });
    req.log.info({ event: 'parcel_cancelled', purchaseId: id, parcelId, via: 'api' }, 'parcel cancelled and refunded by buyer');
    res.json({ purchase: detailJson(await history.purchaseDetail(pool, id, req.apiUser!), req.apiUser!), refund: refundJson(refund) });
  });

  // Claims: the buyer opens one on a delivered parcel and may dispute the answer; the seller accepts or answers.
  router.post('/purchases/:id/parcels/:parcel_id/claims', once, async (req, res) => {
    const purchaseId = requireId(req.params.id, 'There is no such purchase.');
    const parcelId = requireId(req.params.parcel_id, 'There is no such parcel.');
    await purchases.purchaseOfBuyer(pool, purchaseId, req.apiUser!.id); // someone else's purchase: 403 before its input is looked at
    const input = parseInput(claimSchema, req.body);
    const id = await claims.openClaim(pool, { buyerId: req.apiUser!.id, purchaseId, parcelId, ...input, claimDays: config.claimBusinessDays });
    res.status(201).json({ claim: claimJson((await claims.findClaim(pool, id))!) });
  });

  const claimAction = (path: string, act: (userId: number, claimId: number, body: unknown) => Promise<unknown>) =>
    router.post(`/claims/:id/${path}`, once, async (req, res) => {
      const id = requireId(req.params.id, 'There is no such claim.');
      await act(req.apiUser!.id, id, req.body);
      res.json({ claim: claimJson((await claims.findClaim(pool, id))!) });
    });
  claimAction('accept', (userId, id) => claims.acceptClaim(pool, userId, id));
  claimAction('answer', (userId, id, body) => claims.answerClaim(pool, userId, id, parseInput(claimAnswerSchema, body).message));
  claimAction('dispute', (userId, id) => claims.disputeClaim(pool, userId, id));

  router.post('/sales/:purchase_id/decline', once, async (req, res) => {
    const id = requireId(req.params.purchase_id, 'There is no such purchase.');
    const { refund } = await refunds.cancelParcel(pool, catalog, id, { sellerId: req.apiUser!.id });
    req.log.info({ event: 'parcel_declined', purchaseId: id, via: 'api' }, 'parcel declined by seller');
    res.json({ refund: refundJson(refund) });
  });

  return router;
}
