// The accounts feature as one unit: the login, registration and account pages, password reset and
// address verification, accounts' admin, POST /api/login, /internal/accounts (the AccountsPort and
// the sessions for other services), the expired-session purge and account_outbox's sender. The monolith and auth both compose it, with the token issuer they use.
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
import { emailLinksRoutes } from './email-links.routes.js';
import { LinkLimiter } from './link-limiter.js';
import { linkSealer } from './link-seal.js';
import type { MailSetup } from '../mail/outbox.js';
import { createPassport } from './passport.js';

export interface AccountsDeps {
  config: Config;
  pool: Pool;
  /** Name of the database behind the pool (the login limiter addresses its table by it). */
  database: string;
  tokens: ApiTokenIssuer;
  /** With SMTP_URL: what its jobs send account_outbox with (null: the e-mails wait). */
  mail?: MailSetup | null;
}

export function accountsUnit({ config, pool, database, tokens, mail = null }: AccountsDeps): Unit {
  const loginLimiter = new LoginLimiter(pool, config, database);
  const passport = createPassport(pool);
  const sealer = linkSealer(config.sessionSecret);
  return {
    assets: tokens.assets,
    api: [loginApiRoutes({ pool, loginLimiter, tokens })],
    internal: [accountsInternalRoutes({ pool })],
    pages: [
      { at: '/', router: accountsRoutes({ pool, passport, loginLimiter, sealer }) },
      { at: '/', router: emailLinksRoutes({ pool, limiter: new LinkLimiter(pool, config, database), sealer }) },
      { at: '/', router: adminAccountsRoutes({ pool }) },
    ],
    jobs: accountsJobs(pool, mail && { ...mail, config }),
    outboxes: ['account_outbox'],
  };
}
