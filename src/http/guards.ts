// Route guards for the pages: logged in, administrator, and "only for requests that change something".
import type { RequestHandler } from 'express';
import { Forbidden } from './errors.js';
import { requestCanonical } from './urls.js';

/** Pages that need an account send anonymous visitors to the login form, and back afterwards. */
export const requireLogin: RequestHandler = (req, res, next) => {
  if (req.user) return next();
  const target = req.method === 'GET' ? requestCanonical(req) : '/';
  res.redirect(`/login?next=${encodeURIComponent(target)}`);
};

export const requireAdmin: RequestHandler = (req, res, next) => {
  if (!req.user) return requireLogin(req, res, next);
  if (req.user.role !== 'admin') return next(new Forbidden('This page is for administrators only.'));
  next();
};

/** Runs `handler` for requests that may change something: not for GET, HEAD or OPTIONS. */
export function unlessRead(handler: RequestHandler): RequestHandler {
  return (req, res, next) => (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' ? next() : handler(req, res, next));
}
