// Catalog's and order's AccountsPort over HTTP (auth's /internal/accounts). Every page with a
// session asks whether its account is still valid; the answer is kept for a few seconds, so a
// logout, a disabled account or a changed password ends the session everywhere within that time.
import type { AccountsPort, AccountSummary, SessionAccount } from '../accounts/accounts.port.js';
import type { Call } from './http-client.js';

export const SESSION_CHECK_CACHE_MS = 3000;

export function httpAccounts(call: Call, cacheMs = SESSION_CHECK_CACHE_MS): AccountsPort {
  const recent = new Map<string, { at: number; user: SessionAccount | null }>();
  return {
    usersByIds: async (ids) => (ids.length ? call<AccountSummary[]>('POST', '/internal/accounts/users', { ids: [...new Set(ids)] }, { idempotent: true }) : []),
    sessionUser: async (id, version) => {
      const k = `${id}:${version}`;
      const hit = recent.get(k);
      if (hit && Date.now() - hit.at < cacheMs) return hit.user;
      const { user } = await call<{ user: (Omit<SessionAccount, 'createdAt'> & { createdAt: string }) | null }>('GET', `/internal/accounts/session-user/${id}/${version}`, undefined, { idempotent: true });
      const value = user ? { ...user, createdAt: new Date(user.createdAt) } : null;
      if (recent.size > 10_000) recent.clear(); // bounded: a cache, not a store
      recent.set(k, { at: Date.now(), user: value });
      return value;
    },
  };
}
