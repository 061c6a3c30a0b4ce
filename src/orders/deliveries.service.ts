// Choosing a carrier for each parcel (one per seller), shipping a parcel, and the simulated carrier
// that moves parcels along.
import { randomBytes } from 'node:crypto';
import { isDuplicateKey, withTransaction, type Db, type Pool, type PoolConnection } from '../db/pool.js';
import { Conflict, Forbidden, Invalid, NotFound } from '../http/errors.js';
import { interpolate } from '../i18n/format.js';
import type { Translate } from '../i18n/i18n.js';
import * as repo from './deliveries.repo.js';
import type { Delivery, DeliveryStatus, Provider } from './deliveries.repo.js';
import * as purchasesRepo from './purchases.repo.js';
import type { ShipTo } from './purchases.repo.js';
import { assertPending, purchaseOfBuyer } from './purchases.service.js';
import * as salesRepo from './sales.repo.js';
import { queueBuyerMail } from './orders.mails.js';
import { parcelOfSeller, sellersOf } from './parcels.js';
import { addBusinessDays } from './business-days.js';

export type { Delivery, DeliveryStatus, Provider };

/** Share of the provider's time spent between "shipped" and "in transit"; the rest is until "delivered". */
const FIRST_LEG = 0.25;

export function legMs(deliveryHours: number, speedup: number, leg: 'first' | 'second'): number {
  const share = leg === 'first' ? FIRST_LEG : 1 - FIRST_LEG;
  return Math.max(1, Math.round((deliveryHours * 3_600_000 * share) / speedup));
}

/**
 * Event notes are stored in English (the API returns them as they are) and shown in the reader's
 * language: the fixed ones are catalog keys, the one naming the carrier is this template.
 */
export const HANDED_TO = 'Handed to {provider}.';
const HANDED_TO_STORED = /^Handed to (.+)\.$/s;

/** A stored event note in the reader's language. */
export function eventNote(t: Translate, note: string): string {
  const handed = HANDED_TO_STORED.exec(note);
  return handed ? t(HANDED_TO, { provider: handed[1]! }) : t(note);
}

const TRACKING_ALPHABET = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
/** What newTrackingNumber makes: anything else is not a tracking number. */
export const TRACKING_NUMBER = /^BS[A-Z0-9]{10}$/;

export function newTrackingNumber(): string {
  const bytes = randomBytes(10);
  return 'BS' + Array.from(bytes, (b) => TRACKING_ALPHABET[b % TRACKING_ALPHABET.length]).join('');
}

export const listProviders = (db: Db, includeRetired = false) => repo.listProviders(db, includeRetired);
export const listParcels = repo.listParcels;

/** An active provider, or Invalid on the form's field for that parcel. */
async function activeProvider(db: Db, providerId: number, field: string): Promise<Provider> {
  const provider = await repo.findProvider(db, providerId);
  if (!provider || provider.retired) throw new Invalid({ [field]: 'Choose one of the delivery options listed.' });
  return provider;
}

/**
 * The carrier the buyer chose for each parcel: `all` for every parcel (the `provider_id` field, as
 * for a purchase from one seller), `bySeller` for one seller's parcel (it wins over `all`).
 */
export interface ProviderChoice {
  all: number | null;
  bySeller: Map<number, number>;
}

/** The form field of a seller's carrier: `provider_id` when the purchase has one seller, else `provider_id_<seller>`. */
export function providerField(sellerId: number | null, sellers: number): string {
  return sellers === 1 || sellerId === null ? 'provider_id' : `provider_id_${sellerId}`;
}

/** The provider of every seller's parcel, or Invalid naming the parcels without a (valid) one. */
async function parcelPlan(db: Db, purchaseId: number, choice: ProviderChoice): Promise<{ sellerId: number; provider: Provider }[]> {
  const sellers = sellersOf(await purchasesRepo.listItems(db, purchaseId));
  for (const sellerId of choice.bySeller.keys()) {
    if (!sellers.includes(sellerId)) throw new Invalid({ providers: 'Choose a carrier only for the sellers of this purchase.' });
  }
  const errors: Record<string, string> = {};
  const plan: { sellerId: number; provider: Provider }[] = [];
  for (const sellerId of sellers) {
    const field = providerField(sellerId, sellers.length);
    const providerId = choice.bySeller.get(sellerId) ?? choice.all;
    if (providerId === null) {
      errors[field] = 'Choose a delivery option.';
      continue;
    }
    try {
      plan.push({ sellerId, provider: await activeProvider(db, providerId, field) });
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      Object.assign(errors, err.fields);
    }
  }
  if (Object.keys(errors).length) throw new Invalid(errors);
  return plan;
}

/**
 * What chooseDelivery would refuse, checked without writing: someone else's purchase (403), one no
 * longer pending (409), an unknown or retired provider (422). For a caller that saves something
 * first (a new address), so a choice that cannot be made saves nothing.
 */
export async function checkDelivery(db: Db, buyerId: number, purchaseId: number, choice: ProviderChoice, now = new Date()): Promise<void> {
  assertPending(await purchaseOfBuyer(db, purchaseId, buyerId), now, 'change its delivery');
  await parcelPlan(db, purchaseId, choice);
}

/**
 * Sets (or changes) the carrier of each parcel of a pending purchase (one per seller) and makes the
 * shipping the sum of their costs; with `shipTo`, the address it ships to as well (a copy, in the
 * same transaction).
 */
export async function chooseDelivery(pool: Pool, buyerId: number, purchaseId: number, choice: ProviderChoice, opts: { shipTo?: ShipTo; now?: Date } = {}): Promise<void> {
  const now = opts.now ?? new Date();
  await withTransaction(pool, async (conn) => {
    const purchase = await purchaseOfBuyer(conn, purchaseId, buyerId, true);
    assertPending(purchase, now, 'change its delivery');
    if (opts.shipTo && !(await purchasesRepo.setShipTo(conn, purchaseId, opts.shipTo))) throw new Conflict('This purchase changed meanwhile; its delivery cannot be changed.');
    const plan = await parcelPlan(conn, purchaseId, choice);
    await repo.deletePendingSharedParcel(conn, purchaseId);
    const existing = new Map((await repo.listParcels(conn, purchaseId)).map((p) => [p.sellerId, p]));
    for (const { sellerId, provider } of plan) {
      const parcel = existing.get(sellerId);
      if (!parcel) await repo.insertDelivery(conn, purchaseId, sellerId, provider.id, provider.costCents);
      else if (!(await repo.changePendingProvider(conn, parcel.id, provider.id, provider.costCents))) throw new Conflict('This delivery has already started.');
    }
    const shipping = plan.reduce((sum, p) => sum + p.provider.costCents, 0);
    if (!(await purchasesRepo.setShipping(conn, purchaseId, shipping))) throw new Conflict('This purchase changed meanwhile; its delivery cannot be changed.');
  });
}

/** Has every seller of the purchase a parcel with a carrier (so it can be paid)? */
export async function everyParcelChosen(db: Db, purchaseId: number): Promise<boolean> {
  const [items, parcels] = await Promise.all([purchasesRepo.listItems(db, purchaseId), repo.listParcels(db, purchaseId)]);
  return parcels.length > 0 && sellersOf(items).every((s) => parcelOfSeller(parcels, s)?.status === 'pending');
}

/**
 * Called inside the payment's transaction: every parcel starts, gets its tracking number and the
 * date it must be shipped by (`shipByDays` business days from now).
 */
export async function startDelivery(conn: PoolConnection, purchaseId: number, now: Date, shipByDays: number): Promise<string[]> {
  const shipBy = addBusinessDays(now, shipByDays);
  const parcels = await repo.lockParcels(conn, purchaseId);
  if (parcels.length === 0) throw new Conflict('Choose a delivery option before paying.');
  const numbers: string[] = [];
  for (const parcel of parcels) {
    const tracking = newTrackingNumber();
    if (!(await repo.startPreparing(conn, parcel.id, tracking, shipBy))) throw new Conflict('This delivery has already started.');
    await repo.insertEvent(conn, parcel.id, 'preparing', 'Payment received. The seller is preparing the parcel.', now);
    numbers.push(tracking);
  }
  return numbers;
}

/**
 * The seller hands their parcel of a paid purchase to the carrier. (The shared parcel of a purchase
 * from before parcels leaves when every one of its sellers has handed over their books.)
 */
export async function ship(pool: Pool, sellerId: number, purchaseId: number, speedup: number, now = new Date()): Promise<void> {
  await withTransaction(pool, async (conn) => {
    const purchase = await purchasesRepo.lockPurchase(conn, purchaseId);
    if (!purchase) throw new NotFound('There is no such purchase.');
    const items = await purchasesRepo.listItems(conn, purchaseId);
    if (!items.some((i) => i.sellerId === sellerId)) throw new Forbidden('Only a seller of this purchase can ship it.');
    if (purchase.status !== 'paid') throw new Conflict(purchase.status === 'cancelled' ? 'This purchase was cancelled; there is nothing to ship.' : 'This purchase has not been paid yet, so it cannot be shipped.');
    const parcel = parcelOfSeller(await repo.lockParcels(conn, purchaseId), sellerId);
    if (parcel?.status === 'cancelled') throw new Conflict('This parcel was cancelled; there is nothing to ship.');
    if (!parcel || parcel.status !== 'preparing') throw new Conflict('This purchase has already been shipped.');
    if ((await salesRepo.markItemsShipped(conn, purchaseId, sellerId, now)) === 0) throw new Conflict('You have already shipped your books of this purchase.');
    if (parcel.sellerId === null && (await salesRepo.countUnshipped(conn, purchaseId)) > 0) {
      await repo.insertEvent(conn, parcel.id, 'preparing', 'Part of the order was handed to the carrier; waiting for the other sellers.', now);
      return;
    }
    const next = new Date(now.getTime() + legMs(parcel.deliveryHours, speedup, 'first'));
    if (!(await repo.markShipped(conn, parcel.id, next, now))) throw new Conflict('This purchase has already been shipped.');
    await repo.insertEvent(conn, parcel.id, 'shipped', interpolate(HANDED_TO, { provider: parcel.providerName }), now);
    await queueBuyerMail(conn, 'purchase_shipped', purchaseId, parcel.id);
  });
}

/**
 * The simulated carrier: moves every due delivery one step (shipped → in_transit → delivered).
 * Each step is a compare-and-set, so several instances running it at once move each delivery once.
 */
export async function advanceDeliveries(pool: Pool, speedup: number, now = new Date(), batch = 200): Promise<number> {
  let moved = 0;
  for (const due of await repo.dueDeliveries(pool, now, batch)) {
    const to: DeliveryStatus = due.status === 'shipped' ? 'in_transit' : 'delivered';
    const nextStepAt = to === 'in_transit' ? new Date(now.getTime() + legMs(due.deliveryHours, speedup, 'second')) : null;
    const won = await withTransaction(pool, async (conn) => {
      if (!(await repo.moveDueDelivery(conn, due.id, due.status, to, nextStepAt, now))) return false;
      await repo.insertEvent(conn, due.id, to, to === 'in_transit' ? 'In transit to the destination.' : 'Delivered.', now);
      if (to === 'delivered') await queueBuyerMail(conn, 'purchase_delivered', due.purchaseId, due.id);
      return true;
    });
    if (won) moved++;
  }
  return moved;
}

export async function trackingView(db: Db, trackingNumber: string): Promise<{ delivery: Delivery; events: repo.DeliveryEvent[] }> {
  const delivery = TRACKING_NUMBER.test(trackingNumber) ? await repo.findDeliveryByTracking(db, trackingNumber) : null;
  if (!delivery) throw new NotFound('No parcel has this tracking number. Check it and try again.');
  return { delivery, events: await repo.listEvents(db, delivery.id) };
}

// ---- Administration of providers ----

export type ProviderInput = Omit<Provider, 'id' | 'retired'>;

/** Provider names are unique: the database's unique key says so, in the form's words. */
async function uniqueName<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (isDuplicateKey(err)) throw new Invalid({ name: 'A provider with this name already exists.' });
    throw err;
  }
}

export function createProvider(db: Db, input: ProviderInput): Promise<number> {
  return uniqueName(() => repo.insertProvider(db, input));
}

export async function updateProvider(db: Db, id: number, input: ProviderInput): Promise<void> {
  if (!(await repo.findProvider(db, id))) throw new NotFound('There is no such delivery provider.');
  await uniqueName(() => repo.updateProvider(db, id, input));
}

export async function setProviderRetired(db: Db, id: number, retired: boolean, now = new Date()): Promise<void> {
  const provider = await repo.findProvider(db, id);
  if (!provider) throw new NotFound('There is no such delivery provider.');
  if (!(await repo.setProviderRetired(db, id, retired, now))) throw new Conflict(retired ? 'This provider is already retired.' : 'This provider is already active.');
}

export const findProvider = repo.findProvider;
