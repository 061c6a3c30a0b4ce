// The catalog feature as one unit: the home page, the book pages and covers, the books API,
// /internal/catalog (the CatalogPort for other services) and the release of stale stock holds.
import express from 'express';
import { resolve } from 'node:path';
import type { AccountsPort } from '../accounts/accounts.port.js';
import { bearerGuard, type ClaimsVerifier } from '../api/jwt.js';
import type { Unit } from '../compose.js';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { booksApiRoutes } from './catalog.api.js';
import { catalogInternalRoutes } from './catalog.internal.js';
import { catalogJobs } from './catalog.jobs.js';
import { catalogRoutes } from './catalog.routes.js';
import { homeRoutes } from './home.routes.js';

export interface CatalogDeps {
  config: Config;
  pool: Pool;
  accounts: AccountsPort;
  /** How the API's bearer tokens are checked (their account is then asked of accounts). */
  apiClaims: ClaimsVerifier;
}

export function catalogUnit({ config, pool, accounts, apiClaims }: CatalogDeps): Unit {
  const uploadDir = resolve(config.uploadDir); // created by the first cover written into it
  const listingsPerDay = config.listingsPerDay;
  return {
    assets: [express.Router().use('/uploads', express.static(uploadDir, { maxAge: '365d', immutable: true, index: false, dotfiles: 'deny' }))],
    api: [booksApiRoutes({ pool, uploadDir, listingsPerDay, bearer: bearerGuard(apiClaims, accounts), accounts })],
    internal: [catalogInternalRoutes({ pool })],
    pages: [
      { at: '/', router: homeRoutes({ pool }) },
      { at: '/book', router: catalogRoutes({ pool, uploadDir, listingsPerDay, accounts }) },
    ],
    jobs: catalogJobs(pool),
  };
}
