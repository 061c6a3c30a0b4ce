// The one place errors become answers: a page in the reader's language, or JSON for /api and
// /internal; never a stack trace, never a 500 for what a user can send.
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import multer from 'multer';
import { isDatabaseUnavailable, outageSummary } from '../db/unavailable.js';
import { HttpError, Invalid, NotFound, TooManyRequests, type Params } from './errors.js';
import { languageOf, type Language } from '../i18n/i18n.js';
import { setLanguageLocals } from './language.js';
import { identityHref, MONOLITH, requestCanonical } from './urls.js';

/** How long a client is asked to wait before retrying while the database is away. */
const RETRY_AFTER_SECONDS = 5;

interface ErrorView {
  status: number;
  title: string;
  /** An English template; `params` fill it (shown translated on pages, in English in JSON). */
  message: string;
  params?: Params;
  fields?: Record<string, string>;
}

/** Maps anything thrown to what the user may see. Unknown errors become a bare 500. */
function describe(err: unknown): ErrorView {
  if (isDatabaseUnavailable(err)) {
    return { status: 503, title: 'Temporarily unavailable', message: 'The shop is temporarily unavailable. Please try again in a moment.' };
  }
  if (err instanceof Invalid) return { status: 422, title: err.title, message: err.template, params: err.params, fields: err.fields };
  if (err instanceof HttpError) return { status: err.status, title: err.title, message: err.template, params: err.params };
  if (err instanceof multer.MulterError) {
    const photos = err.field === 'photos';
    if (err.code === 'LIMIT_FILE_SIZE') return { status: 413, title: 'File too large', message: photos ? 'Each photo must be 5 MB or smaller.' : 'The cover image must be 5 MB or smaller.' };
    if (photos) return { status: 400, title: 'Bad upload', message: 'The upload was not accepted: send at most 3 photos with the claim.' };
    return { status: 400, title: 'Bad upload', message: 'The upload was not accepted: send one cover image with the form.' };
  }
  // body-parser errors carry a 4xx status and are safe to describe in general terms.
  const status = (err as { status?: number; statusCode?: number }).status ?? (err as { statusCode?: number }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    const message = status === 413 ? 'The request is too large.' : 'The request could not be understood.';
    return { status, title: status === 413 ? 'Too large' : 'Bad request', message };
  }
  return { status: 500, title: 'Something went wrong', message: 'An unexpected error happened on our side. Please try again.' };
}

const wantsJson = (req: Request) => req.originalUrl.startsWith('/api/') || req.originalUrl === '/api' || req.originalUrl.startsWith('/internal/');

function render(res: Response, view: string, locals: object, fallback: string): void {
  res.render(view, locals, (renderErr, html) => {
    // If even the error page fails, answer with plain escaped text rather than nothing.
    if (renderErr) res.type('text/plain').send(fallback);
    else res.send(html);
  });
}

export const notFound: RequestHandler = (_req, _res, next) => next(new NotFound());

export const errorHandler: ErrorRequestHandler = (err, req, res, next) => {
  if (res.headersSent) return next(err);
  const view = describe(err);
  const requestId = req.id;
  if (view.status === 503) req.log.warn({ err: outageSummary(err) }, 'database unavailable');
  else if (view.status >= 500) req.log.error({ err }, 'request failed');
  else req.log.info({ status: view.status, reason: view.message }, 'request refused');

  if (err instanceof TooManyRequests) res.setHeader('Retry-After', String(err.retryAfterSeconds));
  if (view.status === 503) res.setHeader('Retry-After', String(RETRY_AFTER_SECONDS)).setHeader('Cache-Control', 'no-store');
  res.status(view.status);
  if (wantsJson(req)) {
    const message = err instanceof HttpError ? err.message : view.message;
    res.json({ error: { status: view.status, message, ...(view.fields ? { fields: view.fields } : {}) }, requestId });
    return;
  }
  // Errors raised before the page locals were set (a failing session store, say) still get the layout.
  if (!res.locals.language) setLanguageLocals(res, languageOf(req));
  const { t } = res.locals.language as Language;
  res.locals.user ??= null;
  res.locals.currentPath ??= (req.urls ?? MONOLITH).canonicalPath(req.path);
  res.locals.href ??= identityHref;
  res.locals.returnTo ??= requestCanonical(req);
  res.locals.flash ??= [];
  res.locals.csrfToken ??= () => '';
  res.locals.newCheckoutToken ??= () => '';
  // Forms catch Invalid and re-render themselves; one that reaches here (a button posting a bad
  // id, say) has no form "below", so its page lists the messages instead.
  if (view.fields) view.message = 'This could not be done:';
  const page = view.status === 404 ? 'errors/404' : view.status === 503 ? 'errors/503' : view.status >= 500 ? 'errors/500' : 'errors/4xx';
  // An action named inside a message ("…so you cannot {action}") is English too.
  const params = view.params && typeof view.params.action === 'string' ? { ...view.params, action: t(view.params.action) } : view.params;
  const shown = { ...view, title: t(view.title), message: t(view.message, params) };
  render(res, page, { ...shown, requestId }, `${shown.title}. ${shown.message} (request id ${requestId})`);
};
