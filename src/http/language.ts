// The page's language and its formatters, for every template: t(), money(), formatTime(), ...
// Chosen per request from a cookie or a header (no I/O): the catalogs are preloaded objects.
import type { RequestHandler, Response } from 'express';
import { safeNext } from './next.js';
import { isLang, LANG_COOKIE, languageOf, type Language } from '../i18n/i18n.js';

const YEAR_MS = 365 * 86_400_000;

export function setLanguageLocals(res: Response, language: Language): void {
  res.locals.language = language;
  res.locals.lang = language.lang;
  res.locals.t = language.t;
  res.locals.money = language.money;
  res.locals.number = language.number;
  res.locals.formatTime = language.formatTime;
  res.locals.formatDate = language.formatDate;
  res.locals.countryName = language.countryName;
}

export const languageLocals: RequestHandler = (req, res, next) => {
  setLanguageLocals(res, languageOf(req));
  // The page depends on both (languageOf): a shared cache must keep one copy per value of each.
  // Visitors without cookies still share one copy per Accept-Language (nginx's micro-cache too).
  res.vary('Accept-Language, Cookie');
  next();
};

/**
 * The footer's switch: a plain link (works without JavaScript) that remembers the choice for a
 * year and goes back to the page it came from. Only a preference changes, so a GET is fine.
 */
export const switchLanguage: RequestHandler = (req, res, next) => {
  const lang = req.params.lang;
  if (!isLang(lang)) return next();
  res.cookie(LANG_COOKIE, lang, { path: '/', maxAge: YEAR_MS, sameSite: 'lax', httpOnly: true, secure: req.secure });
  res.set('Cache-Control', 'no-store');
  res.redirect(safeNext(req.query.next) ?? '/');
};
