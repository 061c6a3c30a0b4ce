// The sessions table as the session middleware sees it (http/session.ts's SessionTable).
import type { Pool } from '../db/pool.js';
import type { SessionTable } from '../http/session.js';
import { findSessionWithUser } from './accounts.repo.js';
import { deleteExpiredSessions, deleteSession, findSession, saveSession } from './sessions.repo.js';

/**
 * Where accounts is in-process (the monolith, the auth service) a session is read with its user in
 * one round trip (`withUser`); catalog and order read the session alone and ask accounts, over its
 * port, whether the user behind it is still valid.
 */
export function sessionTable(pool: Pool, { withUser }: { withUser: boolean }): SessionTable {
  return {
    find: withUser ? (id) => findSessionWithUser(pool, id) : (id) => findSession(pool, id),
    save: (id, data, expires) => saveSession(pool, id, data, expires),
    remove: (id) => deleteSession(pool, id),
    removeExpired: (now) => deleteExpiredSessions(pool, now),
  };
}
