// One app from feature units. Each feature exports one unit built from its own dependencies and the
// ports it needs; compose puts the shell every deployable shares around them (static files, health,
// /api, /internal, sessions, form bodies, CSRF, errors). The monolith (app.ts) passes every unit with
// in-process ports; each service entry point passes its one unit with HTTP ports. Nothing here asks
// which deployment it is in: the differences are in what it is given.
import express, { type Express, type RequestHandler, type Router } from 'express';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.js';
import type { Pool } from './db/pool.js';
import type { Job } from './jobs.js';
import type { Logger } from './logger.js';
import { sessionUser } from './accounts/passport.js';
import { accessLog } from './http/access-log.js';
import { formBody } from './http/body.js';
import { csrfProtection } from './http/csrf.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { unlessRead } from './http/guards.js';
import { jsonBody } from './http/json-body.js';
import { languageLocals, switchLanguage } from './http/language.js';
import { pageLocals } from './http/locals.js';
import { securityHeaders } from './http/security-headers.js';
import { absoluteTimeout, createSessionStore, lazySession, sessionCookieName, withSession, type SessionRows } from './http/session.js';
import { identityHref, redirectsThroughUrls, urlLayout, type Urls } from './http/urls.js';
import { ejsViewEngine } from './http/views.js';
import { healthRoutes, ping } from './site/site.routes.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** What one feature brings to an app. */
export interface Unit {
  /** Answered before sessions: files and public documents (covers, auth's JWKS). */
  assets: Router[];
  /** At /api: JSON bodies, bearer tokens, before sessions (a session cookie never authenticates it). */
  api: Router[];
  /** At /internal, behind the app's internal guard: what other services ask over HTTP. */
  internal: Router[];
  /** Pages, after sessions, form bodies and CSRF, each mounted where the app serves its canonical path. */
  pages: { at: string; router: Router }[];
  /** Periodic jobs (started with the server, not here). */
  jobs: Job[];
}

/** What the app around the units needs. */
export interface Shell {
  config: Config;
  logger: Logger;
  /** The app's own database (/healthz checks it). */
  pool: Pool;
  urls: Urls;
  /** Where the one session of the shop lives (accounts' table, in-process or over HTTP). */
  sessions: SessionRows;
  /** Who may call /internal (service tokens from trusted callers; nobody in the monolith). */
  internalGuard: RequestHandler;
}

export interface Composed {
  app: Express;
  jobs: Job[];
}

/** Builds one app without listening or starting anything. */
export function compose(units: Unit[], shell: Shell): Composed {
  const { config, logger, urls } = shell;
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  // No ETag by default: pages for a session are no-store, so hashing them is wasted work. Public
  // pages set their own (http/public-pages.ts) and static files theirs (express.static).
  app.set('etag', false);
  app.set('views', join(root, 'views'));
  app.engine('ejs', ejsViewEngine());
  app.set('view engine', 'ejs');
  if (config.isProduction) app.set('view cache', true);
  app.locals.href = identityHref;
  redirectsThroughUrls(app);

  // Behind a load balancer, which instance answered (set INSTANCE_NAME; off by default).
  const instance = config.instanceName;
  if (instance) app.use((_req, res, next) => (res.setHeader('X-Instance', instance), next()));

  // The balancer's liveness probe, every few seconds per instance: a plain-text "pong" answered
  // before the access log and the page headers (it renders nothing a browser would show).
  app.get('/ping', ping);
  app.use(urlLayout(urls));
  app.use(securityHeaders());
  app.use(accessLog(logger));

  // Static files: served by nginx in production, by the app itself everywhere else.
  app.use('/public', express.static(join(root, 'public'), { maxAge: '7d', index: false }));
  for (const assets of units.flatMap((u) => u.assets)) app.use(assets);
  app.use(healthRoutes({ pool: shell.pool }));

  app.use('/api', noStore, jsonBody, ...units.flatMap((u) => u.api));
  const internal = units.flatMap((u) => u.internal);
  if (internal.length > 0) app.use('/internal', shell.internalGuard, ...internal);

  // Pages: the reader's language, sessions, form bodies, CSRF, then the features.
  app.use(languageLocals);
  app.get('/lang/:lang', switchLanguage);
  app.set('session cookie name', sessionCookieName(config));
  app.use(lazySession(config, createSessionStore(shell.sessions, config))); // anonymous reads do no session work at all
  app.use(withSession(absoluteTimeout(config)));
  app.use(sessionUser);
  app.use(pageLocals); // before the CSRF check, so its 403 page has the layout's locals too
  // Reads carry no form body and need no CSRF check.
  app.use(unlessRead(formBody));
  app.use(unlessRead(csrfProtection));

  // The pages most visited first (the units in the order given): each router in the way costs every request a route scan.
  for (const { at, router } of units.flatMap((u) => u.pages)) app.use(urls.localPath(at), router);
  // An app without a home page of its own sends '/' to the shop's (catalog's '/').
  app.get('/', (_req, res) => res.redirect('/'));

  app.use(notFound);
  app.use(errorHandler);
  return { app, jobs: units.flatMap((u) => u.jobs) };
}

const noStore: RequestHandler = (_req, res, next) => {
  res.set('Cache-Control', 'no-store');
  next();
};
