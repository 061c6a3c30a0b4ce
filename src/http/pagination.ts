/** `?page=` as a page number: anything malformed or out of range falls back to 1. */
export function pageFromQuery(value: unknown, max = 10_000): number {
  if (typeof value !== 'string' || !/^\d{1,6}$/.test(value)) return 1;
  const page = Number(value);
  return page >= 1 && page <= max ? page : 1;
}

export interface Pager {
  page: number;
  /** 0 when the number of pages is not known (the pager then shows "Page N" only). */
  pages: number;
  total: number;
  prevHref: string | null;
  nextHref: string | null;
}

/** A link to page p of `path` that keeps the other query parameters. */
export function pageHref(path: string, query: Record<string, unknown>, p: number): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (typeof v === 'string' && k !== 'page' && v !== '') params.set(k, v);
  if (p > 1) params.set('page', String(p));
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path || '?';
}

/** The pager for a page whose neighbours are known; `pages` may be 0 (unknown). */
export function pager(at: { page: number; pages: number; total: number; hasNext: boolean }, path: string, query: Record<string, unknown>): Pager {
  return {
    page: at.page,
    pages: at.pages,
    total: at.total,
    prevHref: at.page > 1 ? pageHref(path, query, at.page - 1) : null,
    nextHref: at.hasNext ? pageHref(path, query, at.page + 1) : null,
  };
}

/** The pager for a list whose total is counted. Links are relative to the current path. */
export function pagination(page: number, perPage: number, total: number, query: Record<string, unknown>): Pager {
  const pages = Math.max(1, Math.ceil(total / perPage));
  return pager({ page, pages, total, hasNext: page < pages }, '', query);
}
