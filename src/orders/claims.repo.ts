// Claims on delivered parcels. Every state change is one conditional UPDATE whose affectedRows says
// who won. SQL only here.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';

export const CLAIM_REASONS = ['not_received', 'not_as_described', 'damaged', 'wrong_book', 'changed_mind'] as const;
export type ClaimReason = (typeof CLAIM_REASONS)[number];
export type ClaimStatus = 'open' | 'accepted' | 'answered' | 'disputed' | 'decided';
export type ClaimDecision = 'full' | 'partial' | 'none';

export interface Claim {
  id: number;
  purchaseId: number;
  deliveryId: number;
  buyerId: number;
  sellerId: number | null;
  reason: ClaimReason;
  message: string;
  status: ClaimStatus;
  respondBy: Date;
  sellerAnswer: string | null;
  answeredAt: Date | null;
  disputedAt: Date | null;
  decision: ClaimDecision | null;
  decisionReason: string | null;
  decidedAt: Date | null;
  refundCents: number | null;
  returnReceivedAt: Date | null;
  createdAt: Date;
}

const COLUMNS = `id, purchase_id, delivery_id, buyer_id, seller_id, reason, message, status, respond_by, seller_answer, answered_at, disputed_at,
  decision, decision_reason, decided_at, refund_cents, return_received_at, created_at`;

function toClaim(r: RowDataPacket): Claim {
  return {
    id: r.id as number,
    purchaseId: r.purchase_id as number,
    deliveryId: r.delivery_id as number,
    buyerId: r.buyer_id as number,
    sellerId: r.seller_id as number | null,
    reason: r.reason as ClaimReason,
    message: r.message as string,
    status: r.status as ClaimStatus,
    respondBy: r.respond_by as Date,
    sellerAnswer: r.seller_answer as string | null,
    answeredAt: r.answered_at as Date | null,
    disputedAt: r.disputed_at as Date | null,
    decision: r.decision as ClaimDecision | null,
    decisionReason: r.decision_reason as string | null,
    decidedAt: r.decided_at as Date | null,
    refundCents: r.refund_cents as number | null,
    returnReceivedAt: r.return_received_at as Date | null,
    createdAt: r.created_at as Date,
  };
}

/** A new open claim; a second open claim on the same parcel fails on uq_claims_open_parcel. */
export async function insertClaim(
  db: Db,
  c: { purchaseId: number; deliveryId: number; buyerId: number; sellerId: number | null; reason: ClaimReason; message: string; respondBy: Date },
  now: Date,
): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    `INSERT INTO claims (purchase_id, delivery_id, buyer_id, seller_id, reason, message, status, respond_by, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'open', ?, ?)`,
    [c.purchaseId, c.deliveryId, c.buyerId, c.sellerId, c.reason, c.message, c.respondBy, now],
  );
  return result.insertId;
}

export async function findClaim(db: Db, id: number): Promise<Claim | null> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${COLUMNS} FROM claims WHERE id = ?`, [id]);
  return rows[0] ? toClaim(rows[0]) : null;
}

export async function listClaimsOfPurchase(db: Db, purchaseId: number): Promise<Claim[]> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${COLUMNS} FROM claims WHERE purchase_id = ? ORDER BY id`, [purchaseId]);
  return rows.map(toClaim);
}

/** A seller's claims still needing them: to accept or answer, or returned books to mark received. */
export async function listClaimsOfSeller(db: Db, sellerId: number, limit: number): Promise<Claim[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM claims WHERE seller_id = ? AND (status IN ('open', 'answered', 'disputed')
       OR (return_received_at IS NULL AND reason <> 'not_received' AND refund_cents > 0)) ORDER BY id DESC LIMIT ?`,
    [sellerId, String(limit)],
  );
  return rows.map(toClaim);
}

/** Claims an admin may decide: disputed, or open past their answer date. */
export async function listClaimsToDecide(db: Db, now: Date, limit: number): Promise<Claim[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT ${COLUMNS} FROM claims WHERE status = 'disputed' OR (status = 'open' AND respond_by <= ?) ORDER BY id LIMIT ?`,
    [now, String(limit)],
  );
  return rows.map(toClaim);
}

/** open → accepted (the seller refunds). */
export async function markAccepted(db: Db, id: number, refundCents: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    "UPDATE claims SET status = 'accepted', refund_cents = ?, decided_at = ? WHERE id = ? AND status = 'open'",
    [refundCents, now, id],
  );
  return result.affectedRows === 1;
}

/** open → answered, once. */
export async function markAnswered(db: Db, id: number, answer: string, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>("UPDATE claims SET status = 'answered', seller_answer = ?, answered_at = ? WHERE id = ? AND status = 'open'", [answer, now, id]);
  return result.affectedRows === 1;
}

/** answered → disputed (the buyer asks an admin). */
export async function markDisputed(db: Db, id: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>("UPDATE claims SET status = 'disputed', disputed_at = ? WHERE id = ? AND status = 'answered'", [now, id]);
  return result.affectedRows === 1;
}

/** disputed, or open past respond_by → decided. */
export async function markDecided(db: Db, id: number, d: { decision: ClaimDecision; reason: string; adminId: number; refundCents: number }, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    `UPDATE claims SET status = 'decided', decision = ?, decision_reason = ?, decided_by = ?, decided_at = ?, refund_cents = ?
      WHERE id = ? AND (status = 'disputed' OR (status = 'open' AND respond_by <= ?))`,
    [d.decision, d.reason, d.adminId, now, d.refundCents, id, now],
  );
  return result.affectedRows === 1;
}

/** The seller received the returned books: once. */
export async function markReturnReceived(db: Db, id: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>('UPDATE claims SET return_received_at = ? WHERE id = ? AND return_received_at IS NULL', [now, id]);
  return result.affectedRows === 1;
}
