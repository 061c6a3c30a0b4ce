// Presentation shared by the order pages (and the admin pages): times, status labels, next steps.
import type { RequestHandler } from 'express';
import { formatMoney } from '../money.js';
import type { Purchase } from './purchases.repo.js';

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

/** The view helpers the order templates use: money, formatTime and statusLabel. */
export const ordersLocals: RequestHandler = (_req, res, next) => {
  res.locals.money = formatMoney;
  res.locals.formatTime = formatTime;
  res.locals.statusLabel = (s: string) => STATUS_LABELS[s] ?? s;
  next();
};
