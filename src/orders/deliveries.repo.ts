// Delivery providers, deliveries (one parcel per seller of a purchase) and their append-only events. SQL only here.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';

export type DeliveryStatus = 'pending' | 'preparing' | 'shipped' | 'in_transit' | 'delivered' | 'cancelled';

export interface Provider {
  id: number;
  name: string;
  coverage: string;
  costCents: number;
  deliveryHours: number;
  retired: boolean;
}

/** One parcel: the books of one seller of a purchase (sellerId null: a parcel from before parcels, carrying all of them). */
export interface Delivery {
  id: number;
  purchaseId: number;
  sellerId: number | null;
  providerId: number;
  providerName: string;
  status: DeliveryStatus;
  costCents: number;
  trackingNumber: string | null;
  nextStepAt: Date | null;
  shippedAt: Date | null;
  deliveredAt: Date | null;
  /** A paid parcel must be marked shipped by then (null before payment, and on parcels from before deadlines). */
  shipBy: Date | null;
  cancelledAt: Date | null;
  cancelReason: ParcelCancelReason | null;
  deliveryHours: number;
  createdAt: Date;
}

export interface DeliveryEvent {
  id: number;
  status: DeliveryStatus;
  note: string;
  createdAt: Date;
}

function toProvider(row: RowDataPacket): Provider {
  return {
    id: row.id as number,
    name: row.name as string,
    coverage: row.coverage as string,
    costCents: row.cost_cents as number,
    deliveryHours: row.delivery_hours as number,
    retired: row.retired_at !== null,
  };
}

export function toDelivery(row: RowDataPacket): Delivery {
  return {
    id: row.id as number,
    purchaseId: row.purchase_id as number,
    sellerId: (row.seller_id as number | null) ?? null,
    providerId: row.provider_id as number,
    providerName: row.provider_name as string,
    status: row.status as DeliveryStatus,
    costCents: row.cost_cents as number,
    trackingNumber: row.tracking_number as string | null,
    nextStepAt: row.next_step_at as Date | null,
    shippedAt: (row.shipped_at as Date | null) ?? null,
    deliveredAt: (row.delivered_at as Date | null) ?? null,
    shipBy: (row.ship_by as Date | null) ?? null,
    cancelledAt: (row.cancelled_at as Date | null) ?? null,
    cancelReason: (row.cancel_reason as ParcelCancelReason | null) ?? null,
    deliveryHours: row.delivery_hours as number,
    createdAt: row.created_at as Date,
  };
}

const PROVIDER_COLUMNS = 'id, name, coverage, cost_cents, delivery_hours, retired_at';
/** The delivery columns of d (and its provider dp), also read by the purchase pages' queries. */
export const DELIVERY_COLUMNS_D = `d.id, d.purchase_id, d.seller_id, d.provider_id, dp.name AS provider_name, dp.delivery_hours, d.status, d.cost_cents,
  d.tracking_number, d.next_step_at, d.ship_by, d.shipped_at, d.delivered_at, d.cancelled_at, d.cancel_reason, d.created_at`;
const DELIVERY_SELECT = `SELECT ${DELIVERY_COLUMNS_D} FROM deliveries d JOIN delivery_providers dp ON dp.id = d.provider_id`;

export async function listProviders(db: Db, includeRetired: boolean): Promise<Provider[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT ${PROVIDER_COLUMNS} FROM delivery_providers WHERE (? = 1 OR retired_at IS NULL) ORDER BY retired_at IS NOT NULL, cost_cents, name`,
    [includeRetired ? 1 : 0],
  );
  return rows.map(toProvider);
}

export async function findProvider(db: Db, id: number): Promise<Provider | null> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${PROVIDER_COLUMNS} FROM delivery_providers WHERE id = ?`, [id]);
  return rows[0] ? toProvider(rows[0]) : null;
}

export async function insertProvider(db: Db, p: Omit<Provider, 'id' | 'retired'>): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    'INSERT INTO delivery_providers (name, coverage, cost_cents, delivery_hours) VALUES (?, ?, ?, ?)',
    [p.name, p.coverage, p.costCents, p.deliveryHours],
  );
  return result.insertId;
}

export async function updateProvider(db: Db, id: number, p: Omit<Provider, 'id' | 'retired'>): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    'UPDATE delivery_providers SET name = ?, coverage = ?, cost_cents = ?, delivery_hours = ? WHERE id = ?',
    [p.name, p.coverage, p.costCents, p.deliveryHours, id],
  );
  return result.affectedRows === 1;
}

export async function setProviderRetired(db: Db, id: number, retired: boolean, now: Date): Promise<boolean> {
  const [result] = retired
    ? await db.execute<ResultSetHeader>('UPDATE delivery_providers SET retired_at = ? WHERE id = ? AND retired_at IS NULL', [now, id])
    : await db.execute<ResultSetHeader>('UPDATE delivery_providers SET retired_at = NULL WHERE id = ? AND retired_at IS NOT NULL', [id]);
  return result.affectedRows === 1;
}

/** The parcels of a purchase, in the order they were made. */
export async function listParcels(db: Db, purchaseId: number): Promise<Delivery[]> {
  const [rows] = await db.execute<RowDataPacket[]>(DELIVERY_SELECT + ' WHERE d.purchase_id = ? ORDER BY d.id', [purchaseId]);
  return rows.map(toDelivery);
}

/** The parcels of a purchase, locked until the transaction ends (in id order). */
export async function lockParcels(db: Db, purchaseId: number): Promise<Delivery[]> {
  const [rows] = await db.execute<RowDataPacket[]>(DELIVERY_SELECT + ' WHERE d.purchase_id = ? ORDER BY d.id FOR UPDATE', [purchaseId]);
  return rows.map(toDelivery);
}

export async function findDelivery(db: Db, id: number): Promise<Delivery | null> {
  const [rows] = await db.execute<RowDataPacket[]>(DELIVERY_SELECT + ' WHERE d.id = ?', [id]);
  return rows[0] ? toDelivery(rows[0]) : null;
}

export async function findDeliveryByTracking(db: Db, trackingNumber: string): Promise<Delivery | null> {
  const [rows] = await db.execute<RowDataPacket[]>(DELIVERY_SELECT + ' WHERE d.tracking_number = ?', [trackingNumber]);
  return rows[0] ? toDelivery(rows[0]) : null;
}

export async function insertDelivery(db: Db, purchaseId: number, sellerId: number, providerId: number, costCents: number): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    "INSERT INTO deliveries (purchase_id, seller_id, provider_id, status, cost_cents) VALUES (?, ?, ?, 'pending', ?)",
    [purchaseId, sellerId, providerId, costCents],
  );
  return result.insertId;
}

/** Changes the provider of a parcel that has not started yet. */
export async function changePendingProvider(db: Db, deliveryId: number, providerId: number, costCents: number): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    "UPDATE deliveries SET provider_id = ?, cost_cents = ? WHERE id = ? AND status = 'pending'",
    [providerId, costCents, deliveryId],
  );
  return result.affectedRows === 1;
}

/** An unpaid purchase's one parcel from before parcels (several sellers): it gives way to one per seller. */
export async function deletePendingSharedParcel(db: Db, purchaseId: number): Promise<void> {
  await db.execute("DELETE FROM deliveries WHERE purchase_id = ? AND seller_id IS NULL AND status = 'pending'", [purchaseId]);
}

/** Every parcel of an unpaid purchase that is cancelled: pending → cancelled. */
export async function cancelPendingParcels(db: Db, purchaseId: number): Promise<void> {
  await db.execute("UPDATE deliveries SET status = 'cancelled' WHERE purchase_id = ? AND status = 'pending'", [purchaseId]);
}

export type ParcelCancelReason = 'buyer' | 'seller_declined' | 'deadline';

/** preparing → shipped by compare-and-set, with the time it was handed over. */
export async function markShipped(db: Db, deliveryId: number, nextStepAt: Date, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    "UPDATE deliveries SET status = 'shipped', next_step_at = ?, shipped_at = ? WHERE id = ? AND status = 'preparing'",
    [nextStepAt, now, deliveryId],
  );
  return result.affectedRows === 1;
}

/** Compare-and-set: moves the delivery from `from` to `to`; false if it was not in `from`. */
export async function moveDelivery(db: Db, deliveryId: number, from: DeliveryStatus, to: DeliveryStatus, nextStepAt: Date | null): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>('UPDATE deliveries SET status = ?, next_step_at = ? WHERE id = ? AND status = ?', [to, nextStepAt, deliveryId, from]);
  return result.affectedRows === 1;
}

/** The same move, only if its next step was due by `dueBy` (the simulated carrier). */
export async function moveDueDelivery(db: Db, deliveryId: number, from: DeliveryStatus, to: DeliveryStatus, nextStepAt: Date | null, dueBy: Date): Promise<boolean> {
  // Arriving records when (the claim window counts from it).
  const [result] = await db.execute<ResultSetHeader>("UPDATE deliveries SET status = ?, next_step_at = ?, delivered_at = IF(? = 'delivered', ?, delivered_at) WHERE id = ? AND status = ? AND next_step_at <= ?", [
    to,
    nextStepAt,
    to,
    dueBy,
    deliveryId,
    from,
    dueBy,
  ]);
  return result.affectedRows === 1;
}

/** pending → preparing, with the tracking number the parcel gets and the date it must ship by. */
export async function startPreparing(db: Db, deliveryId: number, trackingNumber: string, shipBy: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    "UPDATE deliveries SET status = 'preparing', next_step_at = NULL, tracking_number = ?, ship_by = ? WHERE id = ? AND status = 'pending'",
    [trackingNumber, shipBy, deliveryId],
  );
  return result.affectedRows === 1;
}

export async function dueDeliveries(db: Db, now: Date, limit: number): Promise<{ id: number; purchaseId: number; status: DeliveryStatus; deliveryHours: number }[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT d.id, d.purchase_id, d.status, dp.delivery_hours FROM deliveries d JOIN delivery_providers dp ON dp.id = d.provider_id
      WHERE d.status IN ('shipped', 'in_transit') AND d.next_step_at <= ? ORDER BY d.next_step_at LIMIT ?`,
    [now, String(limit)],
  );
  return rows.map((r) => ({ id: r.id as number, purchaseId: r.purchase_id as number, status: r.status as DeliveryStatus, deliveryHours: r.delivery_hours as number }));
}

export async function insertEvent(db: Db, deliveryId: number, status: DeliveryStatus, note: string, at: Date): Promise<void> {
  await db.execute('INSERT INTO delivery_events (delivery_id, status, note, created_at) VALUES (?, ?, ?, ?)', [deliveryId, status, note, at]);
}

export async function listEvents(db: Db, deliveryId: number): Promise<DeliveryEvent[]> {
  const [rows] = await db.execute<RowDataPacket[]>(
    'SELECT id, status, note, created_at FROM delivery_events WHERE delivery_id = ? ORDER BY id',
    [deliveryId],
  );
  return rows.map((r) => ({ id: r.id as number, status: r.status as DeliveryStatus, note: r.note as string, createdAt: r.created_at as Date }));
}
