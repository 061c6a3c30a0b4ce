// CSRF protection for the pages: a synchroniser token kept in the session, posted as `_csrf`.
import { csrfSync } from 'csrf-sync';
import type { Request, RequestHandler } from 'express';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { Forbidden } from './errors.js';
import { ensureSession } from './session.js';

// Synchroniser tokens kept in the session: every state-changing form posts `_csrf`. 32 random
// bytes (256 bits) are far past guessing; the library's default of 128 bytes put 256 hex
// characters into every form, 6 KB of a catalog page with 24 buy forms.
const { generateToken, csrfSynchronisedProtection } = csrfSync({
  size: 32,
  getTokenFromRequest: (req) => {
    const body: unknown = req.body;
    const token = body && typeof body === 'object' ? (body as Record<string, unknown>)._csrf : undefined;
    return typeof token === 'string' ? token : undefined;
  },
});

export function csrfToken(req: Request): string {
  ensureSession(req); // an anonymous page with a form (log in, register) starts its session here
  return generateToken(req);
}

/** Rejects unsafe requests whose `_csrf` does not match the session's token, before any route runs. */
export const csrfProtection: RequestHandler = (req, res, next) => {
  csrfSynchronisedProtection(req, res, (err?: unknown) => {
    if (!err) return next();
    const refused = new Forbidden('Your form has expired or did not come from this site. Please go back, reload the page and try again.');
    // A session holding no token may be one the database could not store when the form was shown
    // (read-only during a failover: the page still went out). Storing it now tells which: a
    // database that cannot is a 503 the visitor may retry, not an expired form.
    const session = req.session;
    if (!session || session.csrfToken !== undefined) return next(refused);
    session.save((saveErr?: unknown) => next(saveErr && isDatabaseUnavailable(saveErr) ? saveErr : refused));
  });
};
