// Account changes made by administrators. SQL only here.
import type { Db, ResultSetHeader } from '../db/pool.js';

export async function setRole(db: Db, userId: number, role: 'user' | 'admin'): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>('UPDATE users SET role = ? WHERE id = ? AND role <> ?', [role, userId, role]);
  return result.affectedRows === 1;
}

/** Disables the account and ends all its sessions and API tokens (their session version no longer matches). */
export async function disable(db: Db, userId: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    'UPDATE users SET disabled_at = ?, session_version = session_version + 1 WHERE id = ? AND disabled_at IS NULL',
    [now, userId],
  );
  return result.affectedRows === 1;
}

export async function enable(db: Db, userId: number): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>('UPDATE users SET disabled_at = NULL WHERE id = ? AND disabled_at IS NOT NULL', [userId]);
  return result.affectedRows === 1;
}
