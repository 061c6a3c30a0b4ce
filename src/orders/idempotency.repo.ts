// Stored first answers of API POSTs sent with an Idempotency-Key. SQL only here.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';

export interface StoredAnswer {
  requestHash: string;
  statusCode: number | null;
  responseBody: string | null;
}

/** Claims the key for this request; false if it was already claimed. */
export async function claimKey(db: Db, userId: number, key: string, requestHash: string, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    'INSERT IGNORE INTO api_idempotency (user_id, idem_key, request_hash, created_at) VALUES (?, ?, ?, ?)',
    [userId, key, requestHash, now],
  );
  return result.affectedRows === 1;
}

export async function findAnswer(db: Db, userId: number, key: string): Promise<StoredAnswer | null> {
  const [rows] = await db.execute<RowDataPacket[]>(
    'SELECT request_hash, status_code, response_body FROM api_idempotency WHERE user_id = ? AND idem_key = ?',
    [userId, key],
  );
  const row = rows[0];
  return row ? { requestHash: row.request_hash as string, statusCode: row.status_code as number | null, responseBody: row.response_body as string | null } : null;
}

export async function saveAnswer(db: Db, userId: number, key: string, statusCode: number, body: string): Promise<void> {
  await db.execute('UPDATE api_idempotency SET status_code = ?, response_body = ? WHERE user_id = ? AND idem_key = ?', [statusCode, body, userId, key]);
}

export async function releaseKey(db: Db, userId: number, key: string): Promise<void> {
  await db.execute('DELETE FROM api_idempotency WHERE user_id = ? AND idem_key = ?', [userId, key]);
}

export async function purgeOlderThan(db: Db, before: Date): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>('DELETE FROM api_idempotency WHERE created_at < ? LIMIT 1000', [before]);
  return result.affectedRows;
}
