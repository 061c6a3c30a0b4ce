// Simulated payments: the amount is the purchase's total as stored; one payment per purchase.
import type { CatalogPort } from '../catalog/catalog.port.js';
import { isDuplicateKey, withTransaction, type Pool } from '../db/pool.js';
import { Conflict } from '../http/errors.js';
import { parseInput } from '../http/validate.js';
import { everyParcelChosen, startDelivery } from './deliveries.service.js';
import { PaymentDeclined } from './orders.errors.js';
import { bankSchema, cardBrand, cardSchema, DECLINED_CARD, methodSchema, paypalSchema } from './orders.schema.js';
import * as repo from './payments.repo.js';
import type { Payment } from './payments.repo.js';
import * as purchasesRepo from './purchases.repo.js';
import { assertPending, cancelWithoutStock, EXPIRED_MESSAGE, purchaseOfBuyer } from './purchases.service.js';
import { queueBuyerMail } from './orders.mails.js';

type PaymentDetails = Omit<Payment, 'id' | 'purchaseId' | 'amountCents' | 'createdAt'>;

/** Validates the payment form; all the fields of the chosen method get their messages at once. The CVV is checked and dropped. */
export function parsePayment(body: unknown, now: Date): { details: PaymentDetails; cardNumber: string | null } {
  const { method } = parseInput(methodSchema, body);
  const none = { cardBrand: null, cardLast4: null, paypalEmail: null, bankName: null, bankReference: null };
  if (method === 'credit_card') {
    const card = parseInput(cardSchema(now), body);
    return { details: { ...none, method, cardBrand: cardBrand(card.card_number), cardLast4: card.card_number.slice(-4) }, cardNumber: card.card_number };
  }
  if (method === 'paypal') {
    const p = parseInput(paypalSchema, body);
    return { details: { ...none, method, paypalEmail: p.paypal_email.toLowerCase() }, cardNumber: null };
  }
  const b = parseInput(bankSchema, body);
  return { details: { ...none, method, bankName: b.bank_name, bankReference: b.bank_reference }, cardNumber: null };
}

/**
 * Pays a pending purchase for its buyer: first its stock becomes sold in catalog (the reservation
 * is committed, so it no longer goes back by itself), then pending_payment → paid by compare-and-set,
 * the payment row (unique per purchase) and the start of every parcel, in one transaction. Should
 * that transaction fail, the purchase stays unpaid and its cancel or expiry releases the stock.
 */
export async function pay(
  pool: Pool,
  catalog: CatalogPort,
  buyerId: number,
  purchaseId: number,
  body: unknown,
  { shipByDays, now = new Date() }: { shipByDays: number; now?: Date },
): Promise<{ payment: Payment; trackingNumbers: string[] }> {
  // Ownership and state come before the form: a stranger learns nothing from validation messages.
  const current = await purchaseOfBuyer(pool, purchaseId, buyerId);
  assertPending(current, now, 'pay for it');
  if (!(await everyParcelChosen(pool, purchaseId))) throw new Conflict('Choose a delivery option before paying.');
  if (!current.shipTo) throw new Conflict('Choose where to ship the books before paying.');
  const { details, cardNumber } = parsePayment(body, now);
  if (cardNumber === DECLINED_CARD) throw new PaymentDeclined('Your card was declined by the issuing bank (insufficient funds). Nothing was charged; try another card or payment method.');
  if (!(await catalog.commit(current.reservationKey))) {
    // Catalog released the stock already (the hold ran out): this purchase can never be paid.
    await cancelWithoutStock(pool, purchaseId, now);
    throw new Conflict(EXPIRED_MESSAGE, { action: 'pay for it' });
  }
  try {
    return await withTransaction(pool, async (conn) => {
      const purchase = await purchaseOfBuyer(conn, purchaseId, buyerId, true);
      assertPending(purchase, now, 'pay for it');
      if (!(await purchasesRepo.markPaid(conn, purchaseId, now))) throw new Conflict('This purchase changed meanwhile and cannot be paid.');
      const paymentId = await repo.insertPayment(conn, { purchaseId, amountCents: purchase.totalCents, ...details }, now);
      const trackingNumbers = await startDelivery(conn, purchaseId, now, shipByDays);
      await queueBuyerMail(conn, 'purchase_paid', purchaseId); // and each seller's "new sale"
      return { payment: { id: paymentId, purchaseId, amountCents: purchase.totalCents, createdAt: now, ...details }, trackingNumbers };
    });
  } catch (err) {
    if (isDuplicateKey(err)) throw new Conflict('This purchase is already paid.');
    throw err;
  }
}
