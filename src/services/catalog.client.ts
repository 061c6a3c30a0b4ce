// Order's CatalogPort over HTTP: the same contract as catalog.local.ts, answered by catalog's
// /internal/catalog endpoints. Reads and reserve (idempotent by its key) are retried once; release is
// not (a second call would answer false even though the first one returned the stock).
import type { BookForSale, CatalogPort, Reservation, ReserveOutcome } from '../catalog/catalog.port.js';
import type { Call } from './http-client.js';

type Wire<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] };

const reservation = (r: Wire<Reservation>): Reservation => ({ ...r, holdUntil: new Date(r.holdUntil) });

export function httpCatalog(call: Call): CatalogPort {
  const key = (k: string) => `/internal/catalog/reservations/${encodeURIComponent(k)}`;
  return {
    booksForSale: async (ids) => (ids.length ? call<BookForSale[]>('POST', '/internal/catalog/books-for-sale', { ids }, { idempotent: true }) : []),
    reserve: async (k, lines, { holdUntil }) => {
      const out = await call<{ reserved: Wire<Reservation> } | { refused: Extract<ReserveOutcome, { refused: unknown }>['refused'] }>(
        'PUT',
        key(k),
        { lines, holdUntil: holdUntil.toISOString() },
        { idempotent: true },
      );
      return 'reserved' in out ? { reserved: reservation(out.reserved) } : out;
    },
    commit: async (k) => (await call<{ committed: boolean }>('POST', `${key(k)}/commit`, {}, { idempotent: true })).committed,
    release: async (k) => (await call<{ released: boolean }>('POST', `${key(k)}/release`, {})).released,
    // Retried once: each line goes back once however often it is asked (a retry may answer false).
    publishSellerStats: async (stats) => {
      if (stats.length) await call('PUT', '/internal/catalog/seller-stats', { stats }, { idempotent: true });
    },
    returnLines: async (k, bookIds) => (await call<{ returned: boolean }>('POST', `${key(k)}/return`, { bookIds }, { idempotent: true })).returned,
  };
}
