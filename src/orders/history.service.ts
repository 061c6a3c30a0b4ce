// Read models for the purchase pages, the sales page, tracking and the status timeline.
import type { Db } from '../db/pool.js';
import { Forbidden, NotFound } from '../http/errors.js';
import * as deliveriesRepo from './deliveries.repo.js';
import type { Delivery, DeliveryEvent } from './deliveries.repo.js';
import type { Payment } from './payments.repo.js';
import * as historyRepo from './history.repo.js';
import * as repo from './purchases.repo.js';
import type { Purchase, PurchaseItem, PurchaseStatus, ShipTo } from './purchases.repo.js';
import * as salesRepo from './sales.repo.js';
import * as refundsRepo from './refunds.repo.js';
import type { Refund } from './refunds.repo.js';
import * as claimsRepo from './claims.repo.js';
import type { Claim } from './claims.repo.js';
import { sellersOf } from './parcels.js';

export interface TimelineStep {
  key: string;
  label: string;
  at: Date | null;
  state: 'done' | 'current' | 'todo' | 'cancelled';
}

function eventTime(events: DeliveryEvent[], status: string): Date | null {
  return events.find((e) => e.status === status)?.createdAt ?? null;
}

/** Ordered → Paid → Shipped → In transit → Delivered, or Ordered → Cancelled. */
export function timeline(purchase: Pick<Purchase, 'status' | 'createdAt' | 'paidAt' | 'cancelledAt'> | null, events: DeliveryEvent[]): TimelineStep[] {
  if (purchase?.status === 'cancelled') {
    return [
      { key: 'ordered', label: 'Ordered', at: purchase.createdAt, state: 'done' },
      { key: 'cancelled', label: 'Cancelled', at: purchase.cancelledAt, state: 'cancelled' },
    ];
  }
  const raw: Omit<TimelineStep, 'state'>[] = [
    ...(purchase ? [{ key: 'ordered', label: 'Ordered', at: purchase.createdAt }] : []),
    { key: 'paid', label: purchase ? 'Paid' : 'Preparing', at: purchase ? purchase.paidAt : eventTime(events, 'preparing') },
    { key: 'shipped', label: 'Shipped', at: eventTime(events, 'shipped') },
    { key: 'in_transit', label: 'In transit', at: eventTime(events, 'in_transit') },
    { key: 'delivered', label: 'Delivered', at: eventTime(events, 'delivered') },
  ];
  let currentGiven = false;
  return raw.map((step) => {
    if (step.at) return { ...step, state: 'done' };
    if (!currentGiven) {
      currentGiven = true;
      return { ...step, state: 'current' };
    }
    return { ...step, state: 'todo' };
  });
}

/** One parcel as the purchase pages show it: whose books, its carrier (null until chosen), its timeline. */
export interface ParcelDetail {
  /** The seller whose books it carries (null: the shared parcel of a purchase from before parcels). */
  sellerId: number | null;
  sellerName: string;
  items: PurchaseItem[];
  delivery: Delivery | null;
  events: DeliveryEvent[];
  steps: TimelineStep[];
}

export interface PurchaseDetail {
  purchase: Purchase;
  items: PurchaseItem[];
  parcels: ParcelDetail[];
  /** The first parcel's delivery (the only one of a purchase from one seller), as the API always answered. */
  delivery: Delivery | null;
  payment: Payment | null;
  refunds: Refund[];
  claims: Claim[];
  /** The purchase's own timeline: a step is done once every parcel still on its way has done it. */
  steps: TimelineStep[];
}

/**
 * The events that summarise several parcels: each step at the time the last live (not cancelled)
 * parcel reached it, and only once all of them have.
 */
function summaryEvents(parcels: ParcelDetail[]): DeliveryEvent[] {
  const live = parcels.filter((p) => p.delivery && p.delivery.status !== 'cancelled');
  if (live.length === 0) return [];
  const out: DeliveryEvent[] = [];
  for (const status of ['preparing', 'shipped', 'in_transit', 'delivered'] as const) {
    const times = live.map((p) => eventTime(p.events, status));
    if (times.some((at) => at === null)) break;
    out.push({ id: 0, status, note: '', createdAt: new Date(Math.max(...times.map((at) => at!.getTime()))) });
  }
  return out;
}

/** A purchase's parcels: one per seller (its delivery once a carrier is chosen), or the shared one of an old purchase. */
async function parcelsOf(db: Db, purchaseId: number, items: PurchaseItem[]): Promise<ParcelDetail[]> {
  const deliveries = await deliveriesRepo.listParcels(db, purchaseId);
  const shared = deliveries.find((d) => d.sellerId === null && d.status !== 'pending');
  const groups = shared ? [{ sellerId: null, delivery: shared }] : sellersOf(items).map((sellerId) => ({ sellerId, delivery: deliveries.find((d) => d.sellerId === sellerId) ?? null }));
  return Promise.all(
    groups.map(async ({ sellerId, delivery }) => {
      const own = sellerId === null ? items : items.filter((i) => i.sellerId === sellerId);
      const events = delivery ? await deliveriesRepo.listEvents(db, delivery.id) : [];
      const sellerName = [...new Set(own.map((i) => i.sellerName))].join(', ');
      return { sellerId, sellerName, items: own, delivery, events, steps: delivery?.status === 'cancelled' ? cancelledParcel(events) : timeline(null, events) };
    }),
  );
}

/** The latest of these times (null when none is known). */
function lastOf(times: (Date | null)[]): Date | null {
  const known = times.filter((at): at is Date => at !== null);
  return known.length ? new Date(Math.max(...known.map((at) => at.getTime()))) : null;
}

/** A cancelled parcel's timeline: Preparing → Cancelled. */
function cancelledParcel(events: DeliveryEvent[]): TimelineStep[] {
  return [
    { key: 'paid', label: 'Preparing', at: eventTime(events, 'preparing'), state: 'done' },
    { key: 'cancelled', label: 'Cancelled', at: eventTime(events, 'cancelled'), state: 'cancelled' },
  ];
}

/** The whole purchase for its buyer (or an administrator). */
export async function purchaseDetail(db: Db, purchaseId: number, viewer: { id: number; role: string }): Promise<PurchaseDetail> {
  const found = await historyRepo.findPurchaseWithPayment(db, purchaseId);
  if (!found) throw new NotFound('There is no such purchase.');
  const { purchase, payment } = found;
  if (purchase.buyerId !== viewer.id && viewer.role !== 'admin') throw new Forbidden('This purchase belongs to another account.');
  const items = await repo.listItems(db, purchaseId);
  const [parcels, refunds, claims] = await Promise.all([parcelsOf(db, purchaseId, items), refundsRepo.listRefunds(db, purchaseId), claimsRepo.listClaimsOfPurchase(db, purchaseId)]);
  const allCancelled = purchase.status === 'paid' && parcels.length > 0 && parcels.every((p) => p.delivery?.status === 'cancelled');
  const steps = allCancelled
    ? [
        { key: 'ordered', label: 'Ordered', at: purchase.createdAt, state: 'done' as const },
        { key: 'paid', label: 'Paid', at: purchase.paidAt, state: 'done' as const },
        { key: 'cancelled', label: 'Cancelled', at: lastOf(parcels.map((p) => p.delivery!.cancelledAt)), state: 'cancelled' as const },
      ]
    : timeline(purchase, parcels.length === 1 ? parcels[0]!.events : summaryEvents(parcels));
  return { purchase, items, parcels, delivery: parcels[0]?.delivery ?? null, payment, refunds, claims, steps };
}

/**
 * Where a purchase ships, as this viewer may see it: the whole address for its buyer and, once it
 * is paid, for a seller of its books (who must send them; /sales shows the same); anyone else who
 * may see the purchase (an administrator) gets the city and country, as on the admin pages.
 */
export function shipToFor(d: Pick<PurchaseDetail, 'purchase' | 'items'>, viewerId: number): ShipTo | Pick<ShipTo, 'city' | 'country'> | null {
  const { shipTo, buyerId, status } = d.purchase;
  if (!shipTo) return null;
  if (buyerId === viewerId || (status === 'paid' && d.items.some((i) => i.sellerId === viewerId))) return shipTo;
  return { city: shipTo.city, country: shipTo.country };
}

export async function buyerPurchases(db: Db, buyerId: number, page: number, perPage: number) {
  const [total, purchases] = await Promise.all([
    historyRepo.countPurchases(db, { buyerId }),
    historyRepo.listPurchases(db, { buyerId }, perPage, (page - 1) * perPage),
  ]);
  return { total, purchases };
}

export async function allPurchases(db: Db, status: PurchaseStatus | undefined, page: number, perPage: number) {
  const filter = status ? { status } : {};
  const [total, purchases] = await Promise.all([historyRepo.countPurchases(db, filter), historyRepo.listPurchases(db, filter, perPage, (page - 1) * perPage)]);
  return { total, purchases };
}

export interface ChartBar {
  day: string;
  cents: number;
  x: number;
  y: number;
  height: number;
}

/** The seller's paid revenue per day over the last 30 days, laid out as SVG bars (drawn on the server). */
export async function revenueChart(db: Db, sellerId: number, now = new Date()) {
  const days = 30;
  const start = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - (days - 1)));
  const byDay = new Map((await salesRepo.revenueByDay(db, sellerId, start)).map((r) => [r.day, r.cents]));
  const width = 600;
  const height = 160;
  const barWidth = width / days;
  const series = Array.from({ length: days }, (_, i) => {
    const day = new Date(start.getTime() + i * 86_400_000).toISOString().slice(0, 10);
    return { day, cents: byDay.get(day) ?? 0 };
  });
  const max = Math.max(0, ...series.map((s) => s.cents));
  const bars: ChartBar[] = series.map((s, i) => {
    const h = max === 0 ? 0 : Math.max(s.cents > 0 ? 2 : 0, Math.round((s.cents / max) * (height - 20)));
    return { ...s, x: Math.round(i * barWidth * 10) / 10, y: height - h, height: h };
  });
  return { bars, width, height, barWidth: Math.round((barWidth - 3) * 10) / 10, maxCents: max, totalCents: series.reduce((a, s) => a + s.cents, 0), first: series[0]?.day ?? '', last: series[days - 1]?.day ?? '' };
}

export async function sellerSales(db: Db, sellerId: number, page: number, perPage: number) {
  const [total, sales, totals] = await Promise.all([
    salesRepo.countSales(db, sellerId),
    salesRepo.listSales(db, sellerId, perPage, (page - 1) * perPage),
    salesRepo.salesTotals(db, sellerId),
  ]);
  return { total, sales, totals };
}
