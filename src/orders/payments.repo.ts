// Payments: one per purchase, captured when it is paid. SQL only here.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';

export interface Payment {
  id: number;
  purchaseId: number;
  amountCents: number;
  method: 'credit_card' | 'paypal' | 'bank_transfer';
  cardBrand: string | null;
  cardLast4: string | null;
  paypalEmail: string | null;
  bankName: string | null;
  bankReference: string | null;
  createdAt: Date;
}

export function toPayment(row: RowDataPacket): Payment {
  return {
    id: row.id as number,
    purchaseId: row.purchase_id as number,
    amountCents: row.amount_cents as number,
    method: row.method as Payment['method'],
    cardBrand: row.card_brand as string | null,
    cardLast4: row.card_last4 as string | null,
    paypalEmail: row.paypal_email as string | null,
    bankName: row.bank_name as string | null,
    bankReference: row.bank_reference as string | null,
    createdAt: row.created_at as Date,
  };
}

export async function insertPayment(db: Db, p: Omit<Payment, 'id' | 'createdAt'>, now: Date): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT INTO payments (purchase_id, amount_cents, method, status, card_brand, card_last4, paypal_email, bank_name, bank_reference, created_at)
     VALUES (?, ?, ?, 'captured', ?, ?, ?, ?, ?, ?)`,
    [p.purchaseId, p.amountCents, p.method, p.cardBrand, p.cardLast4, p.paypalEmail, p.bankName, p.bankReference, now],
  );
  return result.insertId;
}
