// SQL for one-time e-mail links (email_tokens) and for queueing their e-mails by address
// (account_outbox, accounts' own outbox). Only the SHA-256 of a link's token is stored here.
import type { Db, ResultSetHeader, RowDataPacket } from '../db/pool.js';

export type LinkPurpose = 'reset_password' | 'verify_email';

export interface LiveLink {
  id: number;
  userId: number;
  email: string;
}

/** Voids every unused link of this purpose of the account with this e-mail (none when no such account). */
export async function voidLinksByEmail(db: Db, email: string, purpose: LinkPurpose): Promise<void> {
  await db.execute(
    `UPDATE email_tokens t JOIN users u ON u.id = t.user_id SET t.voided_at = NOW()
      WHERE u.email = ? AND t.purpose = ? AND t.used_at IS NULL AND t.voided_at IS NULL`,
    [email, purpose],
  );
}

export async function voidLinksOfUser(db: Db, userId: number, purpose: LinkPurpose): Promise<void> {
  await db.execute('UPDATE email_tokens SET voided_at = NOW() WHERE user_id = ? AND purpose = ? AND used_at IS NULL AND voided_at IS NULL', [userId, purpose]);
}

/**
 * A link for the enabled account with this e-mail, and its e-mail in the outbox, in two statements
 * that write one row each when the account exists and none when it does not: the same work either way.
 */
export async function insertLinkForEmail(
  db: Db,
  email: string,
  link: { purpose: LinkPurpose; tokenHash: Buffer; expiresAt: Date },
  mail: { dedupeKey: string; template: string; token: string },
): Promise<void> {
  await db.execute(
    `INSERT INTO email_tokens (user_id, purpose, token_hash, email, expires_at)
     SELECT id, ?, ?, email, ? FROM users WHERE email = ? AND disabled_at IS NULL`,
    [link.purpose, link.tokenHash, link.expiresAt, email],
  );
  await db.execute(
    `INSERT INTO account_outbox (dedupe_key, recipient, lang, template, data)
     SELECT ?, email, lang, ?, JSON_OBJECT('name', name, 'token', ?) FROM users WHERE email = ? AND disabled_at IS NULL
     ON DUPLICATE KEY UPDATE account_outbox.id = account_outbox.id`,
    [mail.dedupeKey, mail.template, mail.token, email],
  );
}

export async function insertLink(db: Db, userId: number, link: { purpose: LinkPurpose; tokenHash: Buffer; email: string; expiresAt: Date }): Promise<void> {
  await db.execute('INSERT INTO email_tokens (user_id, purpose, token_hash, email, expires_at) VALUES (?, ?, ?, ?, ?)', [
    userId,
    link.purpose,
    link.tokenHash,
    link.email,
    link.expiresAt,
  ]);
}

const LIVE_LINK = `SELECT id, user_id, email FROM email_tokens
  WHERE token_hash = ? AND purpose = ? AND used_at IS NULL AND voided_at IS NULL AND expires_at > NOW()`;

/** The link if it is unused, not voided and not expired (locked when `forUpdate`, inside a transaction). */
export async function findLiveLink(db: Db, tokenHash: Buffer, purpose: LinkPurpose, forUpdate = false): Promise<LiveLink | null> {
  const [rows] = await db.execute<RowDataPacket[]>(forUpdate ? `${LIVE_LINK} FOR UPDATE` : LIVE_LINK, [tokenHash, purpose]);
  const r = rows[0];
  return r ? { id: Number(r.id), userId: Number(r.user_id), email: r.email as string } : null;
}

/** Compare-and-set: true for the one caller that used the link. */
export async function useLink(db: Db, id: number): Promise<boolean> {
  const [result] = await db.execute<ResultSetHeader>('UPDATE email_tokens SET used_at = NOW() WHERE id = ? AND used_at IS NULL AND voided_at IS NULL', [id]);
  return result.affectedRows === 1;
}

/** Verifies the account's address: the link's address becomes its e-mail (a change takes effect here). */
export async function setVerifiedEmail(db: Db, userId: number, email: string): Promise<void> {
  await db.execute('UPDATE users SET email = ?, email_verified_at = NOW() WHERE id = ?', [email, userId]);
}
