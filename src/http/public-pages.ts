// Pages every anonymous visitor sees alike (home, catalog, book page): rendered once per distinct
// input, not once per request. The route still reads its rows from the database on every request;
// what is remembered is only the output of rendering those exact rows: the same inputs (view,
// language, URL layout, path, and every value the route passes to the template) give the same
// bytes and ETag, so they are sent again without re-running the templates, the escaping, the
// UTF-8 encoding and the ETag hash. A change to any row (a sale, a new price) is a new input and
// renders afresh on that very request: nothing is ever stale, unlike the proxy's micro-cache.
// Anything personal (a session, a user, a flash message, a form token) is never remembered.
import type { Request, Response, NextFunction } from 'express';
import { hash } from 'node:crypto';
import { LruMap } from '../lru-map.js';
import { cacheableBriefly } from './locals.js';

interface Rendered {
  body: Buffer;
  etag: string;
}

/** Express's weak ETag, the same value (`W/"<byte length, hex>-<sha1, base64, 27 chars>"`). */
export function weakEtag(body: Buffer): string {
  return `W/"${body.length.toString(16)}-${hash('sha1', body, 'base64').slice(0, 27)}"`;
}

/**
 * Whether two render inputs hold the same values: primitives, arrays, plain objects and dates,
 * compared member by member without building anything (a serialised key cost more per request
 * than the render it saved). Anything else (a function, NaN) is the same only when identical, so
 * the worst a doubt can cost is a render.
 */
export function sameInputs(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameInputs(a[i], b[i])) return false;
    return true;
  }
  const x = a as Record<string, unknown>;
  const y = b as Record<string, unknown>;
  let count = 0;
  for (const name in x) {
    if (!Object.hasOwn(x, name)) continue;
    count++;
    if (!Object.hasOwn(y, name) || !sameInputs(x[name], y[name])) return false;
  }
  for (const name in y) if (Object.hasOwn(y, name)) count--;
  return count === 0;
}

interface Entry extends Rendered {
  options: Record<string, unknown>;
}

/**
 * Whether the answer is personal: pageLocals makes every request with a session (a user, a flash
 * message) no-store, and so does a form token rendered into the page. One rule, kept there.
 */
const isPersonal = (res: Response) => /no-store/.test(String(res.get('Cache-Control') ?? ''));

export class PublicPages {
  /** One entry per page address (view, language, URL layout, path and query): its latest render. */
  private readonly pages: LruMap<string, Entry>;

  /** At most `maxEntries` addresses (about 25 KB each) are kept; the least recently used goes first. */
  constructor(maxEntries = 512) {
    this.pages = new LruMap(maxEntries);
  }

  /**
   * Renders `view` for everyone alike (Cache-Control: public, s-maxage=1 unless something said
   * no-store), reusing the latest render of this address when the route passed exactly the same
   * values again, for a request that is not personal.
   */
  render(req: Request, res: Response, next: NextFunction, view: string, options: Record<string, unknown>): void {
    cacheableBriefly(res);
    // In development templates are read again on every render, so their output is not kept either.
    if (isPersonal(res) || req.app.get('env') === 'development') return res.render(view, options);

    // The address holds every input besides the route's values: the language (its t() and money()
    // follow from it), the URL layout (href()) and the path and query (the current page, the
    // language switch's way back).
    const locals = res.locals as { lang?: string; currentPath?: string; returnTo?: string };
    const key = `${view}\n${locals.lang}\n${JSON.stringify(req.urls ?? null)}\n${locals.currentPath}\n${locals.returnTo}`;
    const known = this.pages.get(key);
    if (known && sameInputs(known.options, options)) return this.send(res, known);

    // A copy goes to Express, which adds its own `_locals` to the object it is given.
    res.render(view, { ...options }, (err: Error | null, html?: string) => {
      if (err) return next(err);
      const body = Buffer.from(html ?? '', 'utf8');
      const entry: Entry = { body, etag: weakEtag(body), options };
      if (!isPersonal(res)) this.pages.set(key, entry); // a form token made it personal after all
      this.send(res, entry);
    });
  }

  private send(res: Response, { body, etag }: Rendered): void {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('ETag', etag);
    res.send(body); // Express answers 304 itself when the browser already has this ETag
  }
}
