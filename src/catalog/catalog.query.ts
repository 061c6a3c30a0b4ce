// The catalog's GET parameters: anything malformed falls back to the default and says so.
import { pageFromQuery } from '../http/pagination.js';
import { parseMoney } from '../money.js';
import { CONDITIONS, type Condition, type Sort } from './catalog.repo.js';
import type { CatalogQuery } from './catalog.pages.js';

const SORTS: Sort[] = ['newest', 'price_asc', 'price_desc', 'title'];
const MAX_PAGE = 5000;

const str = (v: unknown) => (typeof v === 'string' ? v.trim() : '');

/** A note above the results: a text of the language catalog and its parameters, like a flash message. */
export interface Notice {
  text: string;
  params: Record<string, string>;
}

export function parseCatalogQuery(query: Record<string, unknown>): { query: CatalogQuery; notices: Notice[]; values: Record<string, string> } {
  const notices: Notice[] = [];
  const values = {
    q: str(query.q).slice(0, 200),
    condition: str(query.condition),
    min_price: str(query.min_price),
    max_price: str(query.max_price),
    in_stock: str(query.in_stock),
    sort: str(query.sort),
  };
  const price = (name: 'min_price' | 'max_price', notice: string) => {
    if (!values[name]) return undefined;
    const cents = parseMoney(values[name]);
    if (cents === null || cents > 100_000_000) {
      notices.push({ text: notice, params: { value: values[name].slice(0, 20) } });
      values[name] = '';
      return undefined;
    }
    return cents;
  };
  let condition: Condition | undefined;
  if (values.condition) {
    if ((CONDITIONS as readonly string[]).includes(values.condition)) condition = values.condition as Condition;
    else values.condition = '';
  }
  let sort: Sort = 'newest';
  if (SORTS.includes(values.sort as Sort)) sort = values.sort as Sort;
  else values.sort = '';
  const rawPage = str(query.page);
  const page = pageFromQuery(rawPage, MAX_PAGE);
  if (rawPage && String(page) !== rawPage) notices.push({ text: 'There is no page "{page}", so the first page is shown.', params: { page: rawPage.slice(0, 20) } });
  let minCents = price('min_price', 'The lowest price "{value}" is not a price, so it was ignored.');
  let maxCents = price('max_price', 'The highest price "{value}" is not a price, so it was ignored.');
  if (minCents !== undefined && maxCents !== undefined && minCents > maxCents) {
    [minCents, maxCents] = [maxCents, minCents];
    [values.min_price, values.max_price] = [values.max_price, values.min_price];
  }
  const inStock = values.in_stock === '1' || values.in_stock === 'on' || values.in_stock === 'true';
  values.in_stock = inStock ? '1' : '';
  return { query: { q: values.q, condition, minCents, maxCents, inStock, sort, page }, notices, values };
}
