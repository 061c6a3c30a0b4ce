// SQL of the outboxes. Every outbox has the same shape (see accounts' and orders' migrations); each
// belongs to its feature, which names it here: this module only runs the statements on it.
import { isDuplicateKey, type Db, type ResultSetHeader, type RowDataPacket } from '../db/pool.js';

export type OutboxTable = 'account_outbox' | 'order_outbox';

/** Each outbox's statements, made once from the known table names (a name cannot be a placeholder). */
function statementsFor(table: OutboxTable) {
  return {
    insert: `INSERT INTO ${table} (dedupe_key, recipient, recipient_user_id, lang, template, data) VALUES (?, ?, ?, ?, ?, ?)`,
    // SKIP LOCKED: a row another sender is claiming right now is passed over, not waited for (MySQL
    // 8, MariaDB 10.6): senders never queue behind each other, so they cannot deadlock either.
    due: `SELECT id FROM ${table}
           WHERE status = 'pending' AND next_attempt_at <= NOW(3) AND (lease_until IS NULL OR lease_until < NOW(3)) AND attempts < ?
           ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED`,
    claim: `UPDATE ${table} SET claimed_by = ?, lease_until = NOW(3) + INTERVAL ? MICROSECOND, attempts = attempts + 1 WHERE id = ?`,
    claimed: `SELECT id, recipient, recipient_user_id, lang, template, data, attempts, dedupe_key FROM ${table} WHERE claimed_by = ? AND status = 'pending'`,
    sent: `UPDATE ${table} SET status = 'sent', sent_at = NOW(3), data = NULL, lease_until = NULL WHERE id = ? AND claimed_by = ?`,
    retry: `UPDATE ${table} SET claimed_by = NULL, lease_until = NULL, next_attempt_at = NOW(3) + INTERVAL ? MICROSECOND, last_error = ? WHERE id = ? AND claimed_by = ?`,
    giveUp: `UPDATE ${table} SET status = 'failed', data = NULL, lease_until = NULL, last_error = ? WHERE id = ? AND claimed_by = ?`,
    purge: `DELETE FROM ${table} WHERE status <> 'pending' AND created_at < NOW(3) - INTERVAL 30 DAY ORDER BY id LIMIT 1000`,
    oldestPending: `SELECT TIMESTAMPDIFF(SECOND, created_at, NOW(3)) AS age FROM ${table} WHERE status = 'pending' ORDER BY id LIMIT 1`,
  };
}
const STATEMENTS: Record<OutboxTable, ReturnType<typeof statementsFor>> = { account_outbox: statementsFor('account_outbox'), order_outbox: statementsFor('order_outbox') };
const sql = (table: OutboxTable) => STATEMENTS[table];

export interface OutboxRow {
  id: number;
  /** The address, or null when the row names an account instead (recipientUserId). */
  recipient: string | null;
  recipientUserId: number | null;
  lang: string | null;
  template: string;
  data: string | null;
  attempts: number;
  dedupeKey: string;
}

/** Queues one e-mail, once: a second row with the same key is ignored. */
export async function insertMail(
  db: Db,
  table: OutboxTable,
  row: { dedupeKey: string; recipient: string | null; recipientUserId: number | null; lang: string | null; template: string; data: string },
): Promise<boolean> {
  try {
    await db.execute<ResultSetHeader>(sql(table).insert, [row.dedupeKey, row.recipient, row.recipientUserId, row.lang, row.template, row.data]);
    return true;
  } catch (err) {
    // Queued before: only this statement fails, the caller's transaction goes on.
    if (isDuplicateKey(err)) return false;
    throw err;
  }
}

/**
 * Takes the oldest due row that nobody holds (or whose holder's lease ran out) for `leaseMs` under
 * this claim's own id. Run inside one transaction: the row stays locked from the SELECT to the
 * UPDATE, so two senders never take the same row.
 */
export async function claimOne(db: Db, table: OutboxTable, claim: string, leaseMs: number, maxAttempts: number): Promise<OutboxRow | null> {
  const [due] = await db.execute<RowDataPacket[]>(sql(table).due, [String(maxAttempts)]);
  const id = due[0]?.id as number | undefined;
  if (id === undefined) return null;
  await db.execute(sql(table).claim, [claim, String(leaseMs * 1000), id]);
  const [rows] = await db.execute<RowDataPacket[]>(sql(table).claimed, [claim]);
  const r = rows[0];
  return r
    ? {
        id: Number(r.id),
        recipient: r.recipient as string | null,
        recipientUserId: r.recipient_user_id === null ? null : Number(r.recipient_user_id),
        lang: r.lang as string | null,
        template: r.template as string,
        data: r.data as string | null,
        attempts: Number(r.attempts),
        dedupeKey: r.dedupe_key as string,
      }
    : null;
}

/** Sent: the row keeps who and when, not what (its data may hold a one-time link). */
export async function markSent(db: Db, table: OutboxTable, id: number, claim: string): Promise<void> {
  await db.execute(sql(table).sent, [id, claim]);
}

export async function retryLater(db: Db, table: OutboxTable, id: number, claim: string, delayMs: number, error: string): Promise<void> {
  await db.execute(sql(table).retry, [String(delayMs * 1000), error, id, claim]);
}

export async function giveUp(db: Db, table: OutboxTable, id: number, claim: string, error: string): Promise<void> {
  await db.execute(sql(table).giveUp, [error, id, claim]);
}

/** Forgets e-mails sent or given up over 30 days ago (no event queues the same e-mail again that late). */
export async function purgeOld(db: Db, table: OutboxTable): Promise<number> {
  const [result] = await db.execute<ResultSetHeader>(sql(table).purge);
  return result.affectedRows;
}

/** Seconds the oldest unsent e-mail has waited (0 when none waits). */
export async function oldestPendingAgeSeconds(db: Db, table: OutboxTable): Promise<number> {
  const [rows] = await db.execute<RowDataPacket[]>(sql(table).oldestPending);
  return Number(rows[0]?.age ?? 0);
}
