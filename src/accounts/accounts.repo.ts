// SQL for users and their sessions: the only module that reads or writes those tables.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';

export type Role = 'user' | 'admin';

export interface User {
  id: number;
  name: string;
  email: string;
  role: Role;
  sessionVersion: number;
  disabled: boolean;
  createdAt: Date;
}

export interface UserWithHash extends User {
  passwordHash: string;
}

const COLUMNS = 'id, name, email, role, session_version, disabled_at, created_at';

function toUser(row: RowDataPacket): User {
  return {
    id: row.id as number,
    name: row.name as string,
    email: row.email as string,
    role: row.role as Role,
    sessionVersion: row.session_version as number,
    disabled: row.disabled_at !== null,
    createdAt: row.created_at as Date,
  };
}

export async function findUserById(db: Db, id: number): Promise<User | null> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${COLUMNS} FROM users WHERE id = ?`, [id]);
  return rows[0] ? toUser(rows[0]) : null;
}

/** A session row as the session store keeps it, with the account it is logged in as (if any). */
export interface SessionWithUser {
  data: string;
  /** Unix seconds. */
  expires: number;
  user: User | null;
}

const SESSION_USER_COLUMNS = COLUMNS.split(', ').map((name) => `u.${name}`).join(', ');

/**
 * A session and its user in one round trip, which every logged-in page starts with: the user is
 * the one passport keeps in the session's data (`passport.user.id`). Sessions are this feature's
 * table too (its migrations create them).
 */
export async function findSessionWithUser(db: Db, sessionId: string): Promise<SessionWithUser | null> {
  const [rows] = await db.execute<RowDataPacket[]>(
    `SELECT s.data AS session_data, s.expires AS session_expires, ${SESSION_USER_COLUMNS}
       FROM sessions s
       LEFT JOIN users u ON u.id = CAST(JSON_UNQUOTE(JSON_EXTRACT(s.data, '$.passport.user.id')) AS UNSIGNED)
      WHERE s.session_id = ?`,
    [sessionId],
  );
  const row = rows[0];
  if (!row) return null;
  return { data: row.session_data as string, expires: row.session_expires as number, user: row.id === null ? null : toUser(row) };
}

/** Saves a session's data and expiry (unix seconds), new or replacing what was there. */
export async function saveSession(db: Db, sessionId: string, data: string, expires: number): Promise<void> {
  await db.execute('INSERT INTO sessions (session_id, expires, data) VALUES (?, ?, ?) ON DUPLICATE KEY UPDATE expires = VALUES(expires), data = VALUES(data)', [
    sessionId,
    expires,
    data,
  ]);
}

export async function deleteSession(db: Db, sessionId: string): Promise<void> {
  await db.execute('DELETE FROM sessions WHERE session_id = ?', [sessionId]);
}

/** Deletes sessions whose expiry (unix seconds) is before `now`; how many. */
export async function deleteExpiredSessions(db: Db, now: number): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>('DELETE FROM sessions WHERE expires < ?', [now]);
  return result.affectedRows;
}

export async function findUserByEmail(db: Db, email: string): Promise<UserWithHash | null> {
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${COLUMNS}, password_hash FROM users WHERE email = ?`, [email]);
  const row = rows[0];
  return row ? { ...toUser(row), passwordHash: row.password_hash as string } : null;
}

export async function findPasswordHash(db: Db, id: number): Promise<string | null> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT password_hash FROM users WHERE id = ?', [id]);
  return (rows[0]?.password_hash as string | undefined) ?? null;
}

export async function insertUser(db: Db, user: { name: string; email: string; passwordHash: string }): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(
    'INSERT INTO users (name, email, password_hash) VALUES (?, ?, ?)',
    [user.name, user.email, user.passwordHash],
  );
  return result.insertId;
}

/** Changes the hash and ends every other session of the account (their version no longer matches). */
export async function updatePassword(db: Db, id: number, passwordHash: string): Promise<void> {
  await db.execute('UPDATE users SET password_hash = ?, session_version = session_version + 1 WHERE id = ?', [passwordHash, id]);
}

/** Names and emails of these accounts (what other features may know of a user), in no particular order. */
export async function findUsersByIds(db: Db, ids: number[]): Promise<{ id: number; name: string; email: string }[]> {
  if (ids.length === 0) return [];
  const [rows] = await db.execute<RowDataPacket[]>('SELECT id, name, email FROM users WHERE id IN (' + ids.map(() => '?').join(', ') + ')', ids);
  return rows.map((r) => ({ id: r.id as number, name: r.name as string, email: r.email as string }));
}

/** false when the account already had this role (or does not exist). */
export async function setRole(db: Db, userId: number, role: Role): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>('UPDATE users SET role = ? WHERE id = ? AND role <> ?', [role, userId, role]);
  return result.affectedRows === 1;
}

/** Disables the account and ends all its sessions and API tokens (their session version no longer matches). */
export async function disableUser(db: Db, userId: number, now: Date): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>(
    'UPDATE users SET disabled_at = ?, session_version = session_version + 1 WHERE id = ? AND disabled_at IS NULL',
    [now, userId],
  );
  return result.affectedRows === 1;
}

export async function enableUser(db: Db, userId: number): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>('UPDATE users SET disabled_at = NULL WHERE id = ? AND disabled_at IS NOT NULL', [userId]);
  return result.affectedRows === 1;
}

export async function countUsers(db: Db): Promise<number> {
  const [rows] = await db.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM users');
  return Number(rows[0]?.n ?? 0);
}

export async function listUsers(db: Db, limit: number, offset: number): Promise<User[]> {
  // LIMIT values go as strings: mysql2's execute() with numbers fails on MySQL 8.0.22+.
  const [rows] = await db.execute<RowDataPacket[]>(`SELECT ${COLUMNS} FROM users ORDER BY id LIMIT ? OFFSET ?`, [String(limit), String(offset)]);
  return rows.map(toUser);
}
