// Presentation shared by the order pages (and the admin pages): times, status labels, next steps.
import type { RequestHandler } from 'express';
import type { Language } from '../i18n/i18n.js';
import type { Purchase } from './purchases.repo.js';

export const STATUS_LABELS: Record<string, string> = {
  pending_payment: 'Awaiting payment',
  paid: 'Paid',
  cancelled: 'Cancelled',
  pending: 'Not started',
  preparing: 'Preparing',
  shipped: 'Shipped',
  in_transit: 'In transit',
  delivered: 'Delivered',
  partly_shipped: 'Partly shipped',
  partly_delivered: 'Partly delivered',
};

/** Where a purchase continues: delivery, then payment, then its page. */
export function nextStepHref(purchase: Purchase, hasDelivery: boolean): string {
  if (purchase.status !== 'pending_payment') return `/purchases/${purchase.id}`;
  return hasDelivery ? `/payment/${purchase.id}` : `/delivery/${purchase.id}`;
}

/** The status labels in the page's language (money and formatTime come with the language, http/language.ts). */
export const ordersLocals: RequestHandler = (_req, res, next) => {
  const { t } = res.locals.language as Language;
  // Own keys only: `constructor` or `toString` must not find Object.prototype's members.
  res.locals.statusLabel = (s: string) => t(Object.hasOwn(STATUS_LABELS, s) ? STATUS_LABELS[s]! : s);
  next();
};
