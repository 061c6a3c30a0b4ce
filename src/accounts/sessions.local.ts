// The in-process SessionRows: accounts' own sessions table on the app's pool (the monolith, auth).
// The session store (http/session.ts) is the same in every app; only where its rows live differs.
import type { Pool } from '../db/pool.js';
import type { SessionRows } from '../http/session.js';
import { deleteSession, findSessionWithUser, saveSession } from './accounts.service.js';

export function localSessions(pool: Pool): SessionRows {
  return {
    read: (sessionId) => findSessionWithUser(pool, sessionId),
    write: (sessionId, data, expires) => saveSession(pool, sessionId, data, expires),
    remove: (sessionId) => deleteSession(pool, sessionId),
  };
}
