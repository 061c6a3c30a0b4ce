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
import { cacheableBriefly } from './locals.js';

interface Rendered {
  body: Buffer;
  etag: string;
}

/** Express's weak ETag, the same value (`W/"<byte length, hex>-<sha1, base64, 27 chars>"`). */
export function weakEtag(body: Buffer): string {
  return `W/"${body.length.toString(16)}-${hash('sha1', body, 'base64').slice(0, 27)}"`;
}

export class PublicPages {
  private readonly pages = new Map<string, Rendered>();

  /** At most `maxEntries` renders (about 25 KB each) are kept; the least recently used goes first. */
  constructor(private readonly maxEntries = 512) {}

  /**
   * Renders `view` for everyone alike (Cache-Control: public, s-maxage=1 unless something said
   * no-store), reusing an earlier render of exactly the same inputs for a request without a session.
   */
  render(req: Request, res: Response, next: NextFunction, view: string, options: Record<string, unknown>): void {
    cacheableBriefly(res);
    const locals = res.locals as { user?: unknown; flash?: unknown[]; lang?: string; currentPath?: string; returnTo?: string };
    // In development templates are read again on every render, so their output is not kept either.
    const shareable = !req.session && !locals.user && !locals.flash?.length && req.app.get('env') !== 'development';
    if (!shareable) return res.render(view, options); // personal, so no-store: no ETag either

    // Every input of the render: what the route passes, and the locals the layout reads (the
    // language's functions follow from `lang`, `href` from the URL layout).
    const key = JSON.stringify([view, locals.lang, req.urls, locals.currentPath, locals.returnTo, options]);
    const known = this.pages.get(key);
    if (known) {
      this.pages.delete(key); // most recently used goes last
      this.pages.set(key, known);
      return this.send(res, known);
    }
    res.render(view, options, (err: Error | null, html?: string) => {
      if (err) return next(err);
      const rendered = this.rendered(html);
      // A template that made a form token turned the answer into no-store: that render is personal.
      if (!/no-store/.test(String(res.get('Cache-Control') ?? ''))) this.remember(key, rendered);
      this.send(res, rendered);
    });
  }

  private rendered(html = ''): Rendered {
    const body = Buffer.from(html, 'utf8');
    return { body, etag: weakEtag(body) };
  }

  private remember(key: string, rendered: Rendered): void {
    this.pages.set(key, rendered);
    while (this.pages.size > this.maxEntries) this.pages.delete(this.pages.keys().next().value!);
  }

  private send(res: Response, { body, etag }: Rendered): void {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    res.setHeader('ETag', etag);
    res.send(body); // Express answers 304 itself when the browser already has this ETag
  }
}
