// The three services' apps, built from the same features as the monolith: each mounts only its own
// routers on its own database, and reaches the others through their ports over HTTP.
//   auth    accounts pages, admin of accounts, POST /api/login (ES256), JWKS, /internal/accounts
//   catalog home, books pages, covers, the books API, /internal/catalog
//   order   cart, checkout, purchases, sales, tracking, admin of providers and purchases, orders API
import { resolve } from 'node:path';
import { Router, type Express } from 'express';
import type { Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { buildApp } from '../app.js';
import { accountsInternalRoutes } from '../accounts/accounts.internal.js';
import type { AccountsPort } from '../accounts/accounts.port.js';
import { accountsRoutes } from '../accounts/accounts.routes.js';
import { LoginLimiter } from '../accounts/login-limiter.js';
import { createPassport } from '../accounts/passport.js';
import { localSessions } from '../accounts/sessions.local.js';
import { adminAccountsRoutes, adminOrdersRoutes } from '../admin/admin.routes.js';
import { apiRoutes } from '../api/api.routes.js';
import type { CatalogPort } from '../catalog/catalog.port.js';
import type { SessionRows } from '../http/session.js';
import { catalogInternalRoutes } from '../catalog/catalog.internal.js';
import { catalogRoutes } from '../catalog/catalog.routes.js';
import { ordersRoutes } from '../orders/orders.routes.js';
import { localPorts } from '../ports.js';
import { homeRoutes } from '../site/site.routes.js';
import type { ServiceConfig } from './service.config.js';
import { apiTokenSigner, jwks, publicKeyClaims, requireServiceToken } from './tokens.js';

export interface ServiceDeps {
  config: ServiceConfig;
  logger: Logger;
  /** The service's own database. */
  pool: Pool;
  database: string;
}

export interface ServiceApp {
  app: Express;
  close(): Promise<void>;
}

const required = (value: string | undefined, name: string): string => {
  if (!value) throw new Error(`${name} is required`); // loadServiceConfig already refused this
  return value;
};

export async function createAuthApp({ config, logger, pool, database }: ServiceDeps): Promise<ServiceApp> {
  const loginLimiter = new LoginLimiter(pool, config, database);
  const passport = createPassport(pool);
  const privateKey = required(config.jwtPrivateKey, 'JWT_PRIVATE_KEY');
  const [signToken, keySet, serviceGuard] = await Promise.all([apiTokenSigner(privateKey), jwks(privateKey), requireServiceToken('auth', config.trustedServiceKeys)]);
  const api = apiRoutes({ config, pool, loginLimiter, uploadDir: '', ports: localPorts(pool), signToken, parts: { login: true } });
  const internal = Router().use(serviceGuard, accountsInternalRoutes({ pool }));
  return buildApp({
    config,
    logger,
    urls: config.urls,
    pool,
    sessions: localSessions(pool), // auth owns the sessions and the users
    passport,
    api,
    internal,
    pages: (app) => {
      app.get('/.well-known/jwks.json', (_req, res) => {
        res.set('Cache-Control', 'public, max-age=300').json(keySet);
      });
      // auth has no home page of its own: its '/' is the shop's.
      app.get('/', (_req, res) => res.redirect('/'));
      app.use(accountsRoutes({ pool, passport, loginLimiter }));
      app.use(adminAccountsRoutes({ pool }));
    },
  });
}

export async function createCatalogApp({ config, logger, pool }: ServiceDeps, accounts: AccountsPort, sessions: SessionRows): Promise<ServiceApp> {
  const uploadDir = resolve(config.uploadDir);
  const [verifyClaims, serviceGuard] = await Promise.all([publicKeyClaims(required(config.jwtPublicKey, 'JWT_PUBLIC_KEY')), requireServiceToken('catalog', config.trustedServiceKeys)]);
  const ports = { ...localPorts(pool), accounts };
  return buildApp({
    config,
    logger,
    urls: config.urls,
    pool,
    sessions,
    uploadDir,
    api: apiRoutes({ config, pool, uploadDir, ports, verifyClaims, parts: { books: true } }),
    internal: Router().use(serviceGuard, catalogInternalRoutes({ pool })),
    pages: (app) => {
      app.use(homeRoutes({ pool }));
      app.use(catalogRoutes({ pool, uploadDir, listingsPerDay: config.listingsPerDay, accounts }));
    },
  });
}

export async function createOrderApp({ config, logger, pool }: ServiceDeps, accounts: AccountsPort, sessions: SessionRows, catalog: CatalogPort): Promise<ServiceApp> {
  const verifyClaims = await publicKeyClaims(required(config.jwtPublicKey, 'JWT_PUBLIC_KEY'));
  const ports = { ...localPorts(pool), accounts, catalog };
  return buildApp({
    config,
    logger,
    urls: config.urls,
    pool,
    sessions,
    api: apiRoutes({ config, pool, uploadDir: '', ports, verifyClaims, parts: { orders: true } }),
    pages: (app) => {
      app.get('/', (_req, res) => res.redirect('/'));
      app.use(ordersRoutes({ pool, config, catalog, accounts }));
      app.use(adminOrdersRoutes({ pool, accounts }));
    },
  });
}
