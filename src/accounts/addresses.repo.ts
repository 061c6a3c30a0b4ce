// SQL for the address book: the only module that reads or writes `addresses`.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';
import type { PostalAddress } from './accounts.port.js';

/** The fields a shopper fills in: the port's postal address. */
export type AddressFields = PostalAddress;

export interface Address extends AddressFields {
  id: number;
  userId: number;
  isDefault: boolean;
}

const COLUMNS = 'id, user_id, recipient, line1, line2, city, region, postal_code, country, phone, is_default';

function toAddress(row: RowDataPacket): Address {
  return {
    id: row.id as number,
    userId: row.user_id as number,
    recipient: row.recipient as string,
    line1: row.line1 as string,
    line2: row.line2 as string,
    city: row.city as string,
    region: row.region as string,
    postalCode: row.postal_code as string,
    country: row.country as string,
    phone: row.phone as string,
    isDefault: row.is_default === 1,
  };
}

/** The account's addresses, the default first, then in the order they were added. */
export async function listAddresses(db: Db, userId: number): Promise<Address[]> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${COLUMNS} FROM addresses WHERE user_id = ? ORDER BY is_default DESC, id`, [userId]);
  return rows.map(toAddress);
}

/** The address only if it belongs to this account: someone else's id reads as none. */
export async function findAddress(db: Db, userId: number, id: number): Promise<Address | null> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${COLUMNS} FROM addresses WHERE id = ? AND user_id = ?`, [id, userId]);
  return rows[0] ? toAddress(rows[0]) : null;
}

/**
 * Locks the account's row: address changes of one account run one at a time, so two tabs adding
 * a fifth and a sixth address at once cannot both pass the count.
 */
export async function lockOwner(db: Db, userId: number): Promise<boolean> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT id FROM users WHERE id = ? FOR UPDATE', [userId]);
  return rows.length === 1;
}

export async function countAddresses(db: Db, userId: number): Promise<number> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM addresses WHERE user_id = ?', [userId]);
  return Number(rows[0]?.n ?? 0);
}

const values = (a: AddressFields) => [a.recipient, a.line1, a.line2, a.city, a.region, a.postalCode, a.country, a.phone];

export async function insertAddress(db: Db, userId: number, a: AddressFields, isDefault: boolean): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    'INSERT INTO addresses (user_id, recipient, line1, line2, city, region, postal_code, country, phone, is_default) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
    [userId, ...values(a), isDefault ? 1 : 0],
  );
  return result.insertId;
}

export async function updateAddress(db: Db, userId: number, id: number, a: AddressFields): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    'UPDATE addresses SET recipient = ?, line1 = ?, line2 = ?, city = ?, region = ?, postal_code = ?, country = ?, phone = ? WHERE id = ? AND user_id = ?',
    [...values(a), id, userId],
  );
  return result.affectedRows === 1;
}

export async function deleteAddress(db: Db, userId: number, id: number): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>('DELETE FROM addresses WHERE id = ? AND user_id = ?', [id, userId]);
  return result.affectedRows === 1;
}

/** Makes this address the default: the old default is cleared first (one default per account is a unique key). */
export async function setDefault(db: Db, userId: number, id: number): Promise<void> {
  await db.execute('UPDATE addresses SET is_default = 0 WHERE user_id = ? AND is_default = 1 AND id <> ?', [userId, id]);
  await db.execute('UPDATE addresses SET is_default = 1 WHERE id = ? AND user_id = ?', [id, userId]);
}
