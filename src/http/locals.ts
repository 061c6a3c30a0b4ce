// What every page's template gets (the user, the current path, flash messages, form tokens), and
// the caching rules for personal and public pages.
import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { csrfToken } from './csrf.js';
import { MONOLITH, requestCanonical } from './urls.js';

/**
 * Nothing personal may be kept by the browser (Back after logging out on a shared computer) or by
 * a shared cache: every page for a logged-in user, and every page with a form token, is no-store.
 */
export function noStore(res: Response): void {
  res.set('Cache-Control', 'private, no-store');
}

/**
 * A page every anonymous visitor sees alike (home, catalog, book page): the proxy's micro-cache may
 * share it for a second (s-maxage), browsers revalidate it (max-age=0). Only when nothing has set
 * Cache-Control yet, so no-store (logged-in user, flash message) wins, and a form token rendered
 * afterwards still turns it into no-store.
 */
export function cacheableBriefly(res: Response): void {
  if (!res.get('Cache-Control')) res.set('Cache-Control', 'public, max-age=0, s-maxage=1');
}

/** The form's CSRF token (the session's, started now if need be); the page becomes no-store. */
function formToken(req: Request, res: Response): string {
  noStore(res);
  return csrfToken(req);
}

/** What every page template can use: the user, flash messages, a lazy CSRF token, the path. */
export const pageLocals: RequestHandler = (req, res, next) => {
  res.locals.user = req.user ?? null;
  res.locals.currentPath = (req.urls ?? MONOLITH).canonicalPath(req.path);
  // A request with a session (logged in, or an anonymous visitor who opened a form, or one with a
  // flash message) gets its rolling session cookie with the answer: never for anyone else.
  if (req.session) noStore(res);
  // Lazy: a token (and so a session) is made only for pages that render a form; such a page just
  // started its session, so it is no-store too.
  // Bound rather than a closure: a new closure holding the request, stored on it, made V8's old
  // generation grow by megabytes a second under load (BENCHMARKS.md, memory).
  res.locals.csrfToken = formToken.bind(null, req, res);
  // One-time key for a buy or checkout form: submitting the same form twice makes one purchase.
  res.locals.newCheckoutToken = () => randomUUID();
  // The switch in the footer comes back here (the query too: the same search).
  // Canonical, like every ?next=: the switch's redirect runs it through the URL helper.
  res.locals.returnTo = requestCanonical(req);
  if (req.session?.flash) {
    res.locals.flash = req.session.flash;
    delete req.session.flash;
  } else {
    res.locals.flash = [];
  }
  next();
};
