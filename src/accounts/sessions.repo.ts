// SQL for the sessions table (accounts' migrations create it). Every service reads and writes it on
// the accounts database, so one login is enough for the whole shop; the session middleware
// (http/session.ts) reaches it only through the SessionTable made in accounts.sessions.ts.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';

/** A session row: its data (JSON) and idle deadline (Unix seconds). */
export interface SessionRow {
  data: string;
  expires: number;
}

export async function findSession(db: Db, sessionId: string): Promise<SessionRow | null> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT data, expires FROM sessions WHERE session_id = ?', [sessionId]);
  const row = rows[0];
  return row ? { data: row.data as string, expires: row.expires as number } : null;
}

/** Inserts the session or replaces its data and deadline (one statement, whoever writes first). */
export async function saveSession(db: Db, sessionId: string, data: string, expires: number): Promise<void> {
  await db.execute(
    'INSERT INTO sessions (session_id, expires, data) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE expires = VALUES(expires), data = VALUES(data)',
    [sessionId, expires, data],
  );
}

export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.execute('DELETE FROM sessions WHERE session_id = ?', [sessionId]);
}

/** Removes sessions whose idle deadline passed (they can no longer be used anyway). */
export async function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>('DELETE FROM sessions WHERE expires < ?', [now]);
  return result.affectedRows;
}
