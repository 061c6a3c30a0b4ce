/** `?page=` as a page number: anything malformed or out of range falls back to 1. */
export function pageFromQuery(value: unknown, max = 10_000): number {
  if (typeof value !== 'string' || !/^\d{1,6}$/.test(value)) return 1;
  const page = Number(value);
  return page >= 1 && page <= max ? page : 1;
}

export interface Pager {
  page: number;
  pages: number;
  total: number;
  prevHref: string | null;
  nextHref: string | null;
}

/** Links to the previous and next page that keep the other query parameters. */
export function pagination(page: number, perPage: number, total: number, query: Record<string, unknown>): Pager {
  const pages = Math.max(1, Math.ceil(total / perPage));
  const href = (p: number) => {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (typeof v === 'string' && k !== 'page' && v !== '') params.set(k, v);
    if (p > 1) params.set('page', String(p));
    const qs = params.toString();
    return qs ? `?${qs}` : '?';
  };
  return {
    page,
    pages,
    total,
    prevHref: page > 1 ? href(page - 1) : null,
    nextHref: page < pages ? href(page + 1) : null,
  };
}
