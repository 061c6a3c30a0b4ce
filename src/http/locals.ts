import { randomUUID } from 'node:crypto';
import type { RequestHandler } from 'express';
import { csrfToken } from './csrf.js';

/** What every page template can use: the user, flash messages, a lazy CSRF token, the path. */
export const pageLocals: RequestHandler = (req, res, next) => {
  res.locals.user = req.user ?? null;
  res.locals.currentPath = req.path;
  // Lazy: a token (and so a session) is made only for pages that render a form.
  res.locals.csrfToken = () => csrfToken(req);
  // One-time key for a buy or checkout form: submitting the same form twice makes one purchase.
  res.locals.newCheckoutToken = () => randomUUID();
  if (req.session.flash) {
    res.locals.flash = req.session.flash;
    delete req.session.flash;
  } else {
    res.locals.flash = [];
  }
  next();
};
