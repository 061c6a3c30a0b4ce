// The accounts feature as one unit: the login, registration and account pages, accounts' admin,
// POST /api/login, /internal/accounts (the AccountsPort and the sessions for other services), and
// the expired-session purge. The monolith and auth both compose it, with the token issuer they use.
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import type { Unit } from '../compose.js';
import type { ApiTokenIssuer } from '../api/jwt.js';
import { loginApiRoutes } from './accounts.api.js';
import { accountsInternalRoutes } from './accounts.internal.js';
import { accountsJobs } from './accounts.jobs.js';
import { accountsRoutes } from './accounts.routes.js';
import { adminAccountsRoutes } from './admin.routes.js';
import { LoginLimiter } from './login-limiter.js';
import { createPassport } from './passport.js';

export interface AccountsDeps {
  config: Config;
  pool: Pool;
  /** Name of the database behind the pool (the login limiter addresses its table by it). */
  database: string;
  tokens: ApiTokenIssuer;
}

export function accountsUnit({ config, pool, database, tokens }: AccountsDeps): Unit {
  const loginLimiter = new LoginLimiter(pool, config, database);
  const passport = createPassport(pool);
  return {
    assets: tokens.assets,
    api: [loginApiRoutes({ pool, loginLimiter, tokens })],
    internal: [accountsInternalRoutes({ pool })],
    pages: [
      { at: '/', router: accountsRoutes({ pool, passport, loginLimiter }) },
      { at: '/', router: adminAccountsRoutes({ pool }) },
    ],
    jobs: accountsJobs(pool),
  };
}
