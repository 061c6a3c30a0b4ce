// Claim pages: the buyer opens one on a delivered parcel and may dispute the answer (under
// /purchases), the seller accepts, answers or marks the returned books received (under /sales), an
// admin decides (/admin/claims). One page shows a claim to each of them with the actions they may take.
import { Router, type Request, type Response } from 'express';
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { uploadedFiles } from '../http/body.js';
import { Forbidden, Invalid, NotFound, type FieldErrors } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { requireAdmin, requireLogin } from '../http/guards.js';
import { parseInput, requireId, typedValues } from '../http/validate.js';
import type { EncodedImage } from '../images.js';
import * as claimPhotos from './claim-photos.js';
import * as claims from './claims.service.js';
import type { Claim } from './claims.service.js';
import * as deliveriesRepo from './deliveries.repo.js';
import { claimAnswerSchema, claimDecisionSchema, claimSchema, type ClaimInput } from './orders.schema.js';
import { itemsOfParcel } from './parcels.js';
import * as purchasesRepo from './purchases.repo.js';

const STATUS_LABELS: Record<string, string> = {
  open: 'Waiting for the seller',
  accepted: 'Accepted and refunded',
  answered: 'Answered by the seller',
  disputed: 'Waiting for an administrator',
  decided: 'Decided',
};
const DECISION_LABELS: Record<string, string> = { full: 'Refund in full', partial: 'Refund in part', none: 'No refund' };

export const REASON_LABELS: Record<string, string> = {
  not_received: 'Not received',
  not_as_described: 'Not as described',
  damaged: 'Damaged',
  wrong_book: 'Wrong book',
  changed_mind: 'Changed my mind',
};

type Role = 'buyer' | 'seller' | 'admin';

/** Where each viewer sees a claim. */
function claimPath(role: Role, claim: Claim): string {
  if (role === 'buyer') return `/purchases/${claim.purchaseId}/claims/${claim.id}`;
  return role === 'seller' ? `/sales/claims/${claim.id}` : `/admin/claims/${claim.id}`;
}

/** The message, the reason and the photos together, so every message shows at once. */
async function readClaimForm(req: Request): Promise<{ input: ClaimInput; photos: EncodedImage[] }> {
  let input: ClaimInput | null = null;
  let fields: FieldErrors = {};
  try {
    input = parseInput(claimSchema, req.body);
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    fields = { ...err.fields };
  }
  let photos: EncodedImage[] = [];
  try {
    photos = await claimPhotos.encodePhotos(uploadedFiles(req, 'photos').map((f) => f.buffer));
  } catch (err) {
    if (!(err instanceof Invalid)) throw err;
    Object.assign(fields, err.fields);
  }
  if (!input || Object.keys(fields).length) throw new Invalid(fields);
  return { input, photos };
}

export function claimsRoutes({ pool, config, catalog }: { pool: Pool; config: Config; catalog: CatalogPort }): Router {
  const router = Router();

  /** The claim with its parcel's books, for a viewer in `role` (404 for anyone else's). */
  async function claimFor(req: Request, role: Role): Promise<{ claim: Claim; items: purchasesRepo.PurchaseItem[] }> {
    const claim = await claims.findClaim(pool, requireId(req.params.claim_id));
    if (!claim) throw new NotFound('There is no such claim.');
    const parcel = await deliveriesRepo.findDelivery(pool, claim.deliveryId);
    const items = parcel ? itemsOfParcel(parcel, await purchasesRepo.listItems(pool, claim.purchaseId)) : [];
    const me = req.user!.id;
    if (role === 'buyer' && (claim.buyerId !== me || claim.purchaseId !== requireId(req.params.id))) throw new NotFound('There is no such claim.');
    if (role === 'seller' && !items.some((i) => i.sellerId === me)) throw new NotFound('There is no such claim.');
    return { claim, items };
  }

  async function renderClaim(req: Request, res: Response, role: Role, status = 200, errors: Record<string, string> = {}, values: Record<string, string> = {}) {
    const { claim, items } = await claimFor(req, role);
    const now = new Date();
    const decidable = claim.status === 'disputed' || (claim.status === 'open' && claim.respondBy <= now);
    res.status(status).render('orders/claim', {
      title: 'Claim #{id}',
      titleParams: { id: claim.id },
      claim,
      items,
      role,
      photos: await claimPhotos.listPhotos(pool, claim.id),
      photoBase: `${claimPath(role, claim)}/photos/`,
      decidable,
      reasonLabels: REASON_LABELS,
      claimStatusLabels: STATUS_LABELS,
      decisionLabels: DECISION_LABELS,
      errors,
      values,
    });
  }

  // ---- The buyer ----

  async function renderNew(req: Request, res: Response, status: number, errors: Record<string, string>, values: Record<string, string>) {
    const purchaseId = requireId(req.params.id);
    const purchase = await purchasesRepo.findPurchase(pool, purchaseId);
    if (!purchase) throw new NotFound('There is no such purchase.');
    if (purchase.buyerId !== req.user!.id) throw new Forbidden('This purchase belongs to another account.');
    const parcel = (await deliveriesRepo.listParcels(pool, purchaseId)).find((p) => p.id === requireId(req.params.parcel_id));
    if (!parcel) throw new NotFound('There is no such parcel.');
    const items = itemsOfParcel(parcel, await purchasesRepo.listItems(pool, purchaseId));
    const until = claims.claimableUntil(parcel, config.claimBusinessDays);
    res.status(status).render('orders/claim-new', { title: 'Open a claim', purchaseId, parcel, items, until, reasonLabels: REASON_LABELS, errors, values });
  }

  router.get('/purchases/:id/parcels/:parcel_id/claim', requireLogin, (req, res) => renderNew(req, res, 200, {}, {}));

  router.post('/purchases/:id/parcels/:parcel_id/claim', requireLogin, async (req, res) => {
    const purchaseId = requireId(req.params.id);
    try {
      const { input, photos } = await readClaimForm(req);
      const id = await claims.openClaim(pool, { buyerId: req.user!.id, purchaseId, parcelId: requireId(req.params.parcel_id), ...input, photos, claimDays: config.claimBusinessDays });
      req.log.info({ event: 'claim_opened', claimId: id, purchaseId, userId: req.user!.id }, 'claim opened');
      flash(req, 'success', 'Your claim was sent to the seller. They have 3 business days to answer.');
      res.redirect(`/purchases/${purchaseId}/claims/${id}`);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      await renderNew(req, res, 422, err.fields, typedValues(req.body, ['reason', 'message']));
    }
  });

  router.get('/purchases/:id/claims/:claim_id', requireLogin, (req, res) => renderClaim(req, res, 'buyer'));

  // A photo, under each viewer's claim page (404 to anyone who cannot see the claim).
  const photoRoute = (role: Role) => async (req: Request, res: Response) => {
    const { claim } = await claimFor(req, role);
    const position = requireId(req.params.n, 'There is no such photo.');
    if (!(await claimPhotos.sendPhoto(pool, res, claim.id, position))) throw new NotFound('There is no such photo.');
  };
  router.get('/purchases/:id/claims/:claim_id/photos/:n', requireLogin, photoRoute('buyer'));
  router.get('/sales/claims/:claim_id/photos/:n', requireLogin, photoRoute('seller'));
  router.get('/admin/claims/:claim_id/photos/:n', requireAdmin, photoRoute('admin'));

  router.post('/purchases/:id/claims/:claim_id/dispute', requireLogin, async (req, res) => {
    const { claim } = await claimFor(req, 'buyer');
    await claims.disputeClaim(pool, req.user!.id, claim.id);
    flash(req, 'success', 'An administrator will decide your claim.');
    res.redirect(`/purchases/${claim.purchaseId}/claims/${claim.id}`);
  });

  // ---- The seller ----

  router.get('/sales/claims/:claim_id', requireLogin, (req, res) => renderClaim(req, res, 'seller'));

  router.post('/sales/claims/:claim_id/accept', requireLogin, async (req, res) => {
    const { claim } = await claimFor(req, 'seller');
    const accepted = await claims.acceptClaim(pool, req.user!.id, claim.id);
    req.log.info({ event: 'claim_accepted', claimId: claim.id, userId: req.user!.id, refundCents: accepted.refundCents }, 'claim accepted');
    flash(req, 'success', 'You accepted the claim: the buyer was refunded.');
    res.redirect(`/sales/claims/${claim.id}`);
  });

  router.post('/sales/claims/:claim_id/answer', requireLogin, async (req, res) => {
    const { claim } = await claimFor(req, 'seller');
    try {
      const input = parseInput(claimAnswerSchema, req.body);
      await claims.answerClaim(pool, req.user!.id, claim.id, input.message);
      flash(req, 'success', 'Your answer was sent to the buyer.');
      res.redirect(`/sales/claims/${claim.id}`);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      await renderClaim(req, res, 'seller', 422, err.fields, typedValues(req.body, ['message']));
    }
  });

  router.post('/sales/claims/:claim_id/received', requireLogin, async (req, res) => {
    const { claim } = await claimFor(req, 'seller');
    await claims.returnReceived(pool, catalog, req.user!.id, claim.id);
    flash(req, 'success', 'Thank you: the returned books are back on sale.');
    res.redirect(`/sales/claims/${claim.id}`);
  });

  // ---- The admin ----

  router.get('/admin/claims', requireAdmin, async (_req, res) => {
    res.render('admin/claims', { title: 'Claims to decide', claims: await claims.listClaimsToDecide(pool), reasonLabels: REASON_LABELS, claimStatusLabels: STATUS_LABELS });
  });

  router.get('/admin/claims/:claim_id', requireAdmin, (req, res) => renderClaim(req, res, 'admin'));

  router.post('/admin/claims/:claim_id/decide', requireAdmin, async (req, res) => {
    const id = requireId(req.params.claim_id);
    try {
      const input = parseInput(claimDecisionSchema, req.body);
      if (input.decision === 'partial' && input.amount === null) throw new Invalid({ amount: 'For a partial refund, enter an amount above zero and below the whole.' });
      const decided = await claims.decideClaim(pool, req.user!.id, id, { decision: input.decision, amountCents: input.amount, reason: input.reason });
      req.log.info({ event: 'claim_decided', claimId: id, userId: req.user!.id, refundCents: decided.refundCents }, 'claim decided');
      flash(req, 'success', 'The claim is decided; the buyer and the seller can see your reason.');
      res.redirect('/admin/claims');
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      await renderClaim(req, res, 'admin', 422, err.fields, typedValues(req.body, ['decision', 'amount', 'reason']));
    }
  });

  return router;
}
