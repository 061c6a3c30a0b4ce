// Catalog's and order's AccountsPort over HTTP (auth's /internal/accounts). Every API call with a
// token asks whether its account is still valid (not disabled, same session version) and what it is
// now (its role); the answer is kept `cacheMs` (ACCOUNT_CHECK_CACHE_MS, 3 s by default), so a
// disabled account, a changed password or a changed role applies to API tokens everywhere at most
// that long after the change. (Pages get the account with their session: sessions.client.ts.)
import type { AccountsPort, AccountSummary, SessionAccount, ShippingAddress } from '../accounts/accounts.port.js';
import { ADDRESS_FIELDS } from '../accounts/addresses.schema.js';
import { Conflict, Invalid, type FieldErrors, type Params } from '../http/errors.js';
import type { Call } from './http-client.js';

/** Only the address's own fields cross over (a form body also carries its CSRF token and the rest). */
function addressFields(body: unknown): Record<string, unknown> {
  const b = body && typeof body === 'object' ? (body as Record<string, unknown>) : {};
  return Object.fromEntries(ADDRESS_FIELDS.filter((k) => Object.hasOwn(b, k)).map((k) => [k, b[k]]));
}

/** auth's answer when it refuses an address: 422 (invalid) or 409 (the address book is full). */
type Refusal = { invalid: { fields: FieldErrors; template: string } } | { conflict: { template: string; params: Params } };
const REFUSALS = { answers: [409, 422] } as const;

/** The same Invalid or Conflict the in-process port throws. */
function throwRefusal<T extends object>(out: T | Refusal): asserts out is Exclude<T, Refusal> {
  if ('invalid' in out) throw new Invalid(out.invalid.fields, out.invalid.template);
  if ('conflict' in out) throw new Conflict(out.conflict.template, out.conflict.params);
}

export function httpAccounts(call: Call, cacheMs: number): AccountsPort {
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
    // The address book (for the delivery step): reads retried once; adding is not (a second call
    // could add the address twice).
    addressesOfUser: async (userId) => call<ShippingAddress[]>('GET', `/internal/accounts/users/${userId}/addresses`, undefined, { idempotent: true }),
    addressOfUser: async (userId, addressId) =>
      (await call<{ address: ShippingAddress | null }>('GET', `/internal/accounts/users/${userId}/addresses/${addressId}`, undefined, { idempotent: true })).address,
    addAddress: async (userId, fields) => {
      const out = await call<{ added: ShippingAddress } | Refusal>('POST', `/internal/accounts/users/${userId}/addresses`, addressFields(fields), REFUSALS);
      throwRefusal(out);
      return out.added;
    },
    // Saves nothing, so it may be retried.
    checkAddress: async (userId, fields) => {
      throwRefusal(await call<{ ok: true } | Refusal>('POST', `/internal/accounts/users/${userId}/addresses/check`, addressFields(fields), { ...REFUSALS, idempotent: true }));
    },
  };
}
