// Pages anyone may see (home, catalog, book page): rendered once per distinct input, not once per
// request. The route still reads its rows from the database on every request; what is remembered
// is only the output of rendering those exact rows: the same inputs (view, language, URL layout,
// path, the user the page is for, and every value the route passes to the template) give the same
// bytes, so they are sent again without re-running the templates, the escaping and the UTF-8
// encoding. A change to any row (a sale, a new price) or to the user (a new name, a role) is a new
// input and renders afresh on that very request: nothing is ever stale, unlike the proxy's
// micro-cache. What is personal is never shared: a logged-in user's render is kept for that user
// alone, with its form tokens left out and made afresh for every answer (the session's CSRF token,
// a new checkout token per buy form); a page with a flash message is rendered for that answer only.
import type { Request, Response, NextFunction } from 'express';
import { hash, randomBytes } from 'node:crypto';
import { LruMap } from '../lru-map.js';
import { cacheableBriefly } from './locals.js';
import { escapeHtml } from './views.js';

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

/**
 * What a page's form tokens are while it is rendered for keeping: a marker that the kept bytes are
 * split at, so each request gets its own tokens in them. The nonce is random per process and never
 * sent, so no text a user writes (a title, a name) can be taken for a marker.
 */
const SLOT_NONCE = randomBytes(12).toString('hex');
const SLOT_KINDS = ['csrf', 'checkout'] as const;
type SlotKind = (typeof SLOT_KINDS)[number];
const marker = (kind: SlotKind) => `bookstore-slot-${SLOT_NONCE}-${kind}`;
const MARKERS = new RegExp(`bookstore-slot-${SLOT_NONCE}-(${SLOT_KINDS.join('|')})`, 'g');
const SLOT_LOCALS = { csrfToken: () => marker('csrf'), newCheckoutToken: () => marker('checkout') };

interface Entry {
  /** The page's bytes between its form tokens (a page without forms is one part). */
  parts: Buffer[];
  /** Which token goes after each part but the last. */
  slots: SlotKind[];
  /** Only for a page without tokens (each answer with tokens is different). */
  etag: string | null;
  /** What it was rendered from: the route's values and the user the page was rendered for. */
  options: Record<string, unknown>;
  user: unknown;
}

function split(html: string, options: Record<string, unknown>, user: unknown): Entry {
  const parts: Buffer[] = [];
  const slots: SlotKind[] = [];
  let from = 0;
  for (const match of html.matchAll(MARKERS)) {
    parts.push(Buffer.from(html.slice(from, match.index), 'utf8'));
    slots.push(match[1] as SlotKind);
    from = match.index + match[0].length;
  }
  parts.push(Buffer.from(from ? html.slice(from) : html, 'utf8'));
  return { parts, slots, etag: slots.length ? null : weakEtag(parts[0]!), options, user };
}

/**
 * Whether the answer is personal: pageLocals makes every request with a session (a user, a flash
 * message) no-store, and so does a form token rendered into the page. One rule, kept there.
 */
const isPersonal = (res: Response) => /no-store/.test(String(res.get('Cache-Control') ?? ''));

/** The URL layout as text (Urls.key): the same page under another prefix is another page. */
const layoutKey = (urls: Request['urls']): string => urls?.key ?? 'null';

export class PublicPages {
  /** One entry per page address (view, language, URL layout, path and query) and user: its latest render. */
  private readonly pages: LruMap<string, Entry>;

  /** At most `maxEntries` renders (about 25 KB each) are kept; the least recently used goes first. */
  constructor(maxEntries = 512) {
    this.pages = new LruMap(maxEntries);
  }

  /**
   * Renders `view` (Cache-Control: public, s-maxage=1 unless something said no-store), reusing the
   * latest render of this address for this user (or for anonymous visitors) when the route passed
   * exactly the same values again. The form tokens in it are made afresh for every answer.
   */
  render(req: Request, res: Response, next: NextFunction, view: string, options: Record<string, unknown>): void {
    cacheableBriefly(res);
    const locals = res.locals as { lang?: string; currentPath?: string; returnTo?: string; user?: Express.User | null; flash?: unknown[] };
    // In development templates are read again on every render, so their output is not kept either;
    // a flash message is shown once, so a page with one is rendered for that answer alone.
    if (req.app.get('env') === 'development' || locals.flash?.length) return res.render(view, options);

    // The address holds every input besides the route's values and the user: the language (its
    // t() and money() follow from it), the URL layout (href()) and the path and query (the current
    // page, the language switch's way back).
    const user = locals.user ?? null;
    const key = `${view}\n${locals.lang}\n${layoutKey(req.urls)}\n${locals.currentPath}\n${locals.returnTo}\n${user ? user.id : ''}`;
    const known = this.pages.get(key);
    if (known && sameInputs(known.options, options) && sameInputs(known.user, user)) return this.send(res, known);

    // A copy goes to Express, which adds its own `_locals` to the object it is given; the tokens
    // are markers in what is kept.
    res.render(view, { ...options, ...SLOT_LOCALS }, (err: Error | null, html?: string) => {
      if (err) return next(err);
      const entry = split(html ?? '', options, user);
      this.pages.set(key, entry);
      this.send(res, entry);
    });
  }

  private send(res: Response, entry: Entry): void {
    res.setHeader('Content-Type', 'text/html; charset=utf-8');
    if (!entry.slots.length) {
      // Express answers 304 itself when the browser already has this ETag; a page for a session
      // (no-store) carries none.
      if (!isPersonal(res) && entry.etag) res.setHeader('ETag', entry.etag);
      res.send(entry.parts[0]);
      return;
    }
    // Each answer's own tokens: pageLocals' CSRF token (the session's, started now for an anonymous
    // visitor, and the answer made no-store) and a new checkout token for each buy form.
    const locals = res.locals as { csrfToken: () => string; newCheckoutToken: () => string };
    let csrf: Buffer | undefined;
    const pieces: Buffer[] = [];
    for (let i = 0; i < entry.slots.length; i++) {
      pieces.push(entry.parts[i]!);
      pieces.push(entry.slots[i] === 'csrf' ? (csrf ??= Buffer.from(escapeHtml(locals.csrfToken()))) : Buffer.from(escapeHtml(locals.newCheckoutToken())));
    }
    pieces.push(entry.parts[entry.slots.length]!);
    res.send(Buffer.concat(pieces));
  }
}
