// Catalog's and order's SessionRows over HTTP: the shop's one session lives in auth's table, and these
// services read and save it through auth's /internal/accounts/sessions, never the table itself. The
// cookie's signature is checked locally first (express-session, with the shared SESSION_SECRET), so a
// forged cookie costs no call. A read brings the logged-in account along (auth checks nothing of it:
// sessionUser does, here, as everywhere), so a disabled account or a changed password ends the login
// on the next page, with no cache. Not cached either: the session carries CSRF tokens and messages
// that any replica may have just written. Every call is safe to repeat (a save replaces the whole row).
import type { SessionAccount } from '../accounts/accounts.port.js';
import type { SessionRows, StoredSession } from '../http/session.js';
import type { Call } from './http-client.js';

type WireUser = Omit<SessionAccount, 'createdAt'> & { createdAt: string };

export function httpSessions(call: Call): SessionRows {
  const path = (sid: string) => `/internal/accounts/sessions/${encodeURIComponent(sid)}`;
  return {
    read: async (sid) => {
      const { session } = await call<{ session: (Omit<StoredSession, 'user'> & { user: WireUser | null }) | null }>('GET', path(sid), undefined, { idempotent: true });
      if (!session) return null;
      return { ...session, user: session.user && { ...session.user, createdAt: new Date(session.user.createdAt) } };
    },
    write: async (sid, data, expires) => {
      await call('PUT', path(sid), { data, expires }, { idempotent: true });
    },
    remove: async (sid) => {
      await call('POST', `${path(sid)}/remove`, {}, { idempotent: true });
    },
  };
}
