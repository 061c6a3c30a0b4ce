// Orders' e-mails, queued in order_outbox in the same transaction as the change they report, and
// their templates (rendered by src/mail/render.ts). A row names the account it goes to: the sender
// asks accounts (AccountsPort) for its address and language when it sends. What a row holds is
// read from orders' own tables when it is queued: no card number (the last four digits at most),
// and of the address only the city and country (the full address is on /sales and the purchase page).
import type { AccountsPort } from '../accounts/accounts.port.js';
import type { Config } from '../config.js';
import type { Db, Pool } from '../db/pool.js';
import { enqueueMail, outboxSender, type MailSetup, type Sender } from '../mail/outbox.js';
import type { MailContent, MailContext } from '../mail/render.js';
import { claimMails } from './claims.mails.js';
import * as deliveriesRepo from './deliveries.repo.js';
import * as historyRepo from './history.repo.js';
import * as purchasesRepo from './purchases.repo.js';
import * as salesRepo from './sales.repo.js';

export type BuyerEvent = 'purchase_placed' | 'purchase_paid' | 'purchase_shipped' | 'purchase_delivered' | 'purchase_cancelled';

interface Line {
  seller: string;
  sellerId: number;
  title: string;
  quantity: number;
  cents: number;
}

interface OrderMail {
  purchaseId: number;
  totalCents: number;
  shippingCents: number;
  payBy: string;
  lines: Line[];
  /** "Visa ending in 4242", or the method's name: never more of a card. */
  paidWith: { brand: string; last4: string } | { method: string } | null;
  city: string | null;
  country: string | null;
  carrier: string | null;
  tracking: string | null;
  cancelReason: string | null;
}

/** The purchase as its e-mails tell it; with `parcelId`, that parcel's carrier and tracking number (else the first parcel's). */
async function orderData(db: Db, purchaseId: number, parcelId?: number): Promise<{ buyerId: number; data: OrderMail } | null> {
  const found = await historyRepo.findPurchaseWithPayment(db, purchaseId);
  if (!found) return null;
  const { purchase, payment } = found;
  const [items, parcels] = await Promise.all([purchasesRepo.listItems(db, purchaseId), deliveriesRepo.listParcels(db, purchaseId)]);
  const delivery = parcels.find((p) => p.id === parcelId) ?? parcels[0];
  return {
    buyerId: purchase.buyerId,
    data: {
      purchaseId,
      totalCents: purchase.totalCents,
      shippingCents: purchase.shippingCents,
      payBy: purchase.expiresAt.toISOString(),
      lines: items.map((i) => ({ seller: i.sellerName, sellerId: i.sellerId, title: i.title, quantity: i.quantity, cents: i.unitPriceCents * i.quantity })),
      paidWith: !payment ? null : payment.cardLast4 ? { brand: payment.cardBrand ?? '', last4: payment.cardLast4 } : { method: payment.method },
      city: purchase.shipTo?.city ?? null,
      country: purchase.shipTo?.country ?? null,
      carrier: delivery?.providerName ?? null,
      tracking: delivery?.trackingNumber ?? null,
      cancelReason: purchase.cancelReason,
    },
  };
}

/**
 * Queues the buyer's e-mail about this purchase (inside the caller's transaction), once per event;
 * with `parcelId`, about that parcel (once per event and parcel: each parcel ships on its own).
 */
export async function queueBuyerMail(db: Db, event: BuyerEvent, purchaseId: number, parcelId?: number): Promise<void> {
  const order = await orderData(db, purchaseId, parcelId);
  if (!order) return;
  const subject = parcelId === undefined ? purchaseId : `${purchaseId}/${parcelId}`;
  await enqueueMail(db, 'order_outbox', { event, subject, to: { userId: order.buyerId }, template: event, data: { ...order.data } });
  // A new paid sale: each seller hears of their own part.
  if (event === 'purchase_paid') {
    for (const sellerId of new Set(order.data.lines.map((l) => l.sellerId))) await queueSellerMail(db, 'sale_paid', order.data, sellerId);
  }
}

async function queueSellerMail(db: Db, event: 'sale_paid' | 'sale_reminder', order: OrderMail, sellerId: number): Promise<boolean> {
  const lines = order.lines.filter((l) => l.sellerId === sellerId);
  return enqueueMail(db, 'order_outbox', {
    event,
    subject: order.purchaseId,
    to: { userId: sellerId },
    template: event,
    data: { purchaseId: order.purchaseId, lines, city: order.city, country: order.country },
  });
}

/** What a cancelled parcel's e-mails say: whose books, what was refunded, and why. */
interface ParcelCancelMail {
  purchaseId: number;
  lines: Line[];
  refundCents: number;
  reason: 'buyer' | 'seller_declined' | 'deadline';
}

/**
 * A paid parcel was cancelled and refunded (inside the cancel's transaction): the buyer hears what
 * was refunded and why, and each seller of its books that the sale is off. Once per parcel.
 */
export async function queueParcelCancelledMails(
  db: Db,
  purchaseId: number,
  parcelId: number,
  items: purchasesRepo.PurchaseItem[],
  reason: ParcelCancelMail['reason'],
): Promise<void> {
  const [purchase, parcel] = await Promise.all([purchasesRepo.findPurchase(db, purchaseId), deliveriesRepo.findDelivery(db, parcelId)]);
  if (!purchase || !parcel) return;
  const lines = items.map((i) => ({ seller: i.sellerName, sellerId: i.sellerId, title: i.title, quantity: i.quantity, cents: i.unitPriceCents * i.quantity }));
  const data: ParcelCancelMail = { purchaseId, lines, refundCents: lines.reduce((s, l) => s + l.cents, 0) + parcel.costCents, reason };
  const subject = `${purchaseId}/${parcelId}`;
  await enqueueMail(db, 'order_outbox', { event: 'parcel_refunded', subject, to: { userId: purchase.buyerId }, template: 'parcel_refunded', data: { ...data } });
  for (const sellerId of new Set(lines.map((l) => l.sellerId))) {
    const own = { ...data, lines: lines.filter((l) => l.sellerId === sellerId) };
    await enqueueMail(db, 'order_outbox', { event: 'sale_cancelled', subject, to: { userId: sellerId }, template: 'sale_cancelled', data: { ...own } });
  }
}

const CANCEL_REASONS = {
  buyer: 'The buyer cancelled this parcel before it was shipped.',
  seller_declined: 'The seller could not send this parcel.',
  deadline: 'It was not shipped by its ship-by date, so it was cancelled.',
} as const;

export const REMIND_AFTER_MS = 4 * 86_400_000;

/** Reminds sellers of paid sales still unshipped 4 days after payment (once per sale: the outbox's key). */
export async function queueShippingReminders(pool: Pool, now = new Date()): Promise<number> {
  let queued = 0;
  for (const sale of await salesRepo.unshippedSales(pool, new Date(now.getTime() - REMIND_AFTER_MS), 200)) {
    const order = await orderData(pool, sale.purchaseId);
    // A reminder already queued is ignored by the outbox's key: only new ones count.
    if (order && (await queueSellerMail(pool, 'sale_reminder', order.data, sale.sellerId))) queued++;
  }
  return queued;
}

// Templates. Subjects carry the purchase number, never an address.

function receiptRows({ language: { t, money } }: MailContext, d: OrderMail): [string, string][] {
  const rows: [string, string][] = d.lines.map((l) => [`${l.title} × ${l.quantity}`, `${money(l.cents)} (${t('sold by {seller}', { seller: l.seller })})`]);
  rows.push([t('Shipping'), money(d.shippingCents)], [t('Total'), money(d.totalCents)]);
  return rows;
}

function shipsTo({ language: { t, countryName } }: MailContext, city: string | null, country: string | null): string[] {
  return city && country ? [t('Ships to {city}, {country}.', { city, country: countryName(country) })] : [];
}

const METHODS: Record<string, string> = { paypal: 'PayPal', bank_transfer: 'Bank transfer', credit_card: 'Credit card' };

const purchaseLink = (ctx: MailContext, id: number) => ({ label: ctx.language.t('See the purchase'), url: ctx.link(`/purchases/${id}`) });

export const orderMails = {
  purchase_placed: (d: OrderMail, ctx: MailContext): MailContent => ({
    subject: ctx.language.t('Purchase #{id}: waiting for payment', { id: d.purchaseId }),
    greeting: ctx.language.t('Hello,'),
    paragraphs: [ctx.language.t('We are holding your books until {time}. Pay before then, or they go back on sale.', { time: ctx.language.formatTime(new Date(d.payBy)) })],
    rows: receiptRows(ctx, d),
    action: purchaseLink(ctx, d.purchaseId),
  }),
  purchase_paid: (d: OrderMail, ctx: MailContext): MailContent => {
    const { t } = ctx.language;
    const paid = d.paidWith && 'last4' in d.paidWith ? t('{brand} ending in {last4}', d.paidWith) : d.paidWith ? t(METHODS[d.paidWith.method] ?? d.paidWith.method) : '';
    return {
      subject: t('Purchase #{id}: payment received', { id: d.purchaseId }),
      greeting: t('Hello,'),
      paragraphs: [t('Thank you: we received your payment. Here is your receipt.'), ...(paid ? [paid] : []), ...shipsTo(ctx, d.city, d.country)],
      rows: receiptRows(ctx, d),
      action: purchaseLink(ctx, d.purchaseId),
    };
  },
  purchase_shipped: (d: OrderMail, ctx: MailContext): MailContent => ({
    subject: ctx.language.t('Purchase #{id} has shipped', { id: d.purchaseId }),
    greeting: ctx.language.t('Hello,'),
    paragraphs: [ctx.language.t('Your books are on their way with {carrier}. Tracking number: {tracking}.', { carrier: d.carrier ?? '', tracking: d.tracking ?? '' })],
    action: { label: ctx.language.t('Track the parcel'), url: ctx.link(`/track/${d.tracking ?? ''}`) },
  }),
  purchase_delivered: (d: OrderMail, ctx: MailContext): MailContent => ({
    subject: ctx.language.t('Purchase #{id} was delivered', { id: d.purchaseId }),
    greeting: ctx.language.t('Hello,'),
    paragraphs: [ctx.language.t('Your books were delivered. Happy reading!')],
    action: purchaseLink(ctx, d.purchaseId),
  }),
  purchase_cancelled: (d: OrderMail, ctx: MailContext): MailContent => ({
    subject: ctx.language.t('Purchase #{id} was cancelled', { id: d.purchaseId }),
    greeting: ctx.language.t('Hello,'),
    paragraphs: [
      d.cancelReason === 'expired'
        ? ctx.language.t('It was not paid in time, so it expired and its books went back on sale. Nothing was charged.')
        : ctx.language.t('You cancelled it and its books went back on sale. Nothing was charged.'),
    ],
    action: purchaseLink(ctx, d.purchaseId),
  }),
  parcel_refunded: (d: ParcelCancelMail, ctx: MailContext): MailContent => ({
    subject: ctx.language.t('Purchase #{id}: a parcel was cancelled and refunded', { id: d.purchaseId }),
    greeting: ctx.language.t('Hello,'),
    paragraphs: [ctx.language.t(CANCEL_REASONS[d.reason]), ctx.language.t('We refunded {amount} to your payment method: the books and their shipping.', { amount: ctx.language.money(d.refundCents) })],
    rows: d.lines.map((l) => [`${l.title} × ${l.quantity}`, ctx.language.money(l.cents)]),
    action: purchaseLink(ctx, d.purchaseId),
  }),
  sale_cancelled: (d: ParcelCancelMail, ctx: MailContext): MailContent => ({
    subject: ctx.language.t('Sale #{id} was cancelled', { id: d.purchaseId }),
    greeting: ctx.language.t('Hello,'),
    paragraphs: [ctx.language.t(CANCEL_REASONS[d.reason]), ctx.language.t('Do not send these books: the buyer was refunded and they are back on sale.')],
    rows: d.lines.map((l) => [l.title, `× ${l.quantity}`]),
    action: { label: ctx.language.t('See your sales'), url: ctx.link('/sales') },
  }),
  ...claimMails,
  sale_paid: (d: SaleMail, ctx: MailContext): MailContent => saleMail(d, ctx, false),
  sale_reminder: (d: SaleMail, ctx: MailContext): MailContent => saleMail(d, ctx, true),
};

interface SaleMail {
  purchaseId: number;
  lines: Line[];
  city: string | null;
  country: string | null;
}

function saleMail(d: SaleMail, ctx: MailContext, reminder: boolean): MailContent {
  const { t } = ctx.language;
  return {
    subject: reminder ? t('Sale #{id}: the buyer is still waiting', { id: d.purchaseId }) : t('You sold books: sale #{id}', { id: d.purchaseId }),
    greeting: t('Hello,'),
    paragraphs: [
      reminder ? t('The books of this sale were paid for 4 days ago and are not shipped yet. Please send them now.') : t('A buyer paid for your books. Send them as soon as you can.'),
      ...shipsTo(ctx, d.city, d.country),
    ],
    rows: d.lines.map((l) => [l.title, `× ${l.quantity}`]),
    action: { label: t('See the address on your sales page'), url: ctx.link('/sales') },
  };
}

export function orderMailSender(deps: MailSetup & { pool: Pool; config: Config; accounts: AccountsPort }): Sender {
  return {
    ...outboxSender(deps, 'order_outbox', orderMails),
    recipients: async (userId) => (await deps.accounts.usersByIds([userId]))[0] ?? null,
  };
}
