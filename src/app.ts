import express, { type Express, type Router } from 'express';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from './config.js';
import type { Pool } from './db/pool.js';
import type { Logger } from './logger.js';
import { accountsRoutes } from './accounts/accounts.routes.js';
import { LoginLimiter } from './accounts/login-limiter.js';
import { createPassport, sessionUser, type Passport } from './accounts/passport.js';
import { localSessions } from './accounts/sessions.local.js';
import { adminRoutes } from './admin/admin.routes.js';
import { apiRoutes } from './api/api.routes.js';
import { catalogRoutes } from './catalog/catalog.routes.js';
import { accessLog } from './http/access-log.js';
import { formBody } from './http/body.js';
import { csrfProtection } from './http/csrf.js';
import { errorHandler, notFound } from './http/error-handler.js';
import { ejsViewEngine } from './http/views.js';
import { pageLocals } from './http/locals.js';
import { languageLocals, switchLanguage } from './http/language.js';
import { securityHeaders } from './http/security-headers.js';
import { identityHref, MONOLITH, urlLayout, type UrlLayout } from './http/urls.js';
import { ordersRoutes } from './orders/orders.routes.js';
import { absoluteTimeout, createSessionStore, lazySession, sessionCookieName, withSession, type SessionRows } from './http/session.js';
import { unlessRead } from './http/guards.js';
import { healthRoutes, homeRoutes, ping } from './site/site.routes.js';
import { localPorts, type Ports } from './ports.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

export interface AppDeps {
  config: Config;
  pool: Pool;
  logger: Logger;
  /** Name of the database behind the pool (the login limiter addresses its table by it). */
  database: string;
  /** How the features reach each other (default: in-process, on the same pool). */
  ports?: Ports;
}

export interface BookStoreApp {
  app: Express;
  ports: Ports;
  /** Stops the app's own timers (session expiry sweeps); the caller closes the pool. */
  close(): Promise<void>;
}

/** What differs between the monolith and each service; the shell around it is the same for all. */
export interface AppShell {
  config: Config;
  logger: Logger;
  urls: UrlLayout;
  /** The database /healthz checks (the app's own). */
  pool: Pool;
  /** Where the sessions live (accounts' table, in-process or over HTTP): one for the whole shop, so one login is enough. */
  sessions: SessionRows;
  /** Where people log in (the monolith, auth): passport, for its req.login. */
  passport?: Passport;
  /** Serves /uploads from here (only where covers live). */
  uploadDir?: string;
  /** Mounted at /api, before sessions. */
  api?: Router;
  /** Service-to-service endpoints at /internal: service tokens only, before sessions. */
  internal?: Router;
  /** The pages, after sessions, form bodies and CSRF. */
  pages(app: Express): void;
}

/** Builds one app (the monolith or a service) without listening or touching anything outside the deps. */
export function buildApp(shell: AppShell): { app: Express; close: () => Promise<void> } {
  const { config, logger } = shell;
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

  // Behind a load balancer, which instance answered (set INSTANCE_NAME; off by default).
  const instance = config.instanceName;
  if (instance) app.use((_req, res, next) => (res.setHeader('X-Instance', instance), next()));

  // The balancer's liveness probe, every few seconds per instance: a plain-text "pong" answered
  // before the access log and the page headers (it renders nothing a browser would show).
  app.get('/ping', ping);
  app.use(urlLayout(shell.urls));
  app.use(securityHeaders());
  app.use(accessLog(logger));

  // Static files: served by nginx in production, by the app itself everywhere else.
  app.use('/public', express.static(join(root, 'public'), { maxAge: '7d', index: false }));
  if (shell.uploadDir) app.use('/uploads', express.static(shell.uploadDir, { maxAge: '365d', immutable: true, index: false, dotfiles: 'deny' }));
  app.use(healthRoutes({ pool: shell.pool }));

  // JSON API: bearer JWT only, mounted before sessions so a session cookie never authenticates it.
  if (shell.api) app.use('/api', shell.api);
  if (shell.internal) app.use('/internal', shell.internal);

  // Pages: the reader's language, sessions, form bodies, CSRF, then the features.
  app.use(languageLocals);
  app.get('/lang/:lang', switchLanguage);
  const store = createSessionStore(shell.sessions, config);
  app.set('session cookie name', sessionCookieName(config));
  app.use(lazySession(config, store)); // anonymous reads do no session work at all
  app.use(withSession(absoluteTimeout(config)));
  // req.login (passport) only where a form is posted: reads never log anyone in.
  if (shell.passport) app.use(unlessRead(withSession(shell.passport.initialize({ compat: false }))));
  app.use(sessionUser);
  app.use(pageLocals); // before the CSRF check, so its 403 page has the layout's locals too
  // Reads carry no form body and need no CSRF check.
  app.use(unlessRead(formBody));
  app.use(unlessRead(csrfProtection));

  shell.pages(app);

  app.use(notFound);
  app.use(errorHandler);
  return { app, close: () => Promise.resolve() };
}

/** The monolith: every feature in one app, on one pool. */
export function createApp({ config, pool, logger, database, ports = localPorts(pool) }: AppDeps): BookStoreApp {
  const uploadDir = resolve(config.uploadDir); // created by the first cover written into it
  const loginLimiter = new LoginLimiter(pool, config, database);
  const passport = createPassport(pool);
  const { app, close } = buildApp({
    config,
    logger,
    urls: MONOLITH,
    pool,
    sessions: localSessions(pool),
    passport,
    uploadDir,
    api: apiRoutes({ config, pool, loginLimiter, uploadDir, ports }),
    pages: (app) => {
      // The pages most visited first: each router in the way costs every request a route scan.
      app.use(homeRoutes({ pool }));
      app.use('/book', catalogRoutes({ pool, uploadDir, listingsPerDay: config.listingsPerDay, accounts: ports.accounts }));
      app.use(accountsRoutes({ pool, passport, loginLimiter }));
      app.use(adminRoutes({ pool, accounts: ports.accounts }));
      app.use(ordersRoutes({ pool, config, catalog: ports.catalog, accounts: ports.accounts }));
    },
  });
  return { app, ports, close };
}
