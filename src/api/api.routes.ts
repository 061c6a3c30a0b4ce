// The JSON API under /api: JSON bodies only, bearer tokens only (mounted before sessions, so a
// session cookie never authenticates it), errors as JSON by the shared error handler.
import { Router } from 'express';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import type { LoginLimiter } from '../accounts/login-limiter.js';
import { loginSchema } from '../accounts/accounts.schema.js';
import { authenticate } from '../accounts/accounts.service.js';
import { booksApiRoutes } from '../catalog/catalog.api.js';
import { ordersApiRoutes } from '../orders/orders.api.js';
import { Unauthorized } from '../http/errors.js';
import { parseInput } from '../http/validate.js';
import type { Ports } from '../ports.js';
import { jsonBody } from './json-body.js';
import { currentAccount, issueToken, requireBearer, sharedSecretClaims, TOKEN_TTL_SECONDS, type ApiUser, type ClaimsVerifier } from './jwt.js';

export interface ApiDeps {
  config: Config;
  pool: Pool;
  /** Only where accounts live (the monolith, auth). */
  loginLimiter?: LoginLimiter;
  uploadDir: string;
  ports: Ports;
  /** The token's signature check. Default: the monolith's HS256 tokens. */
  verifyClaims?: ClaimsVerifier;
  /** Default: the monolith's HS256 tokens. */
  signToken?: (user: ApiUser) => Promise<string>;
  /** Which parts of the API this app answers (all of them in the monolith). */
  parts?: { login?: boolean; books?: boolean; orders?: boolean };
}

export function apiRoutes(deps: ApiDeps): Router {
  const { config, pool, loginLimiter } = deps;
  const parts = deps.parts ?? { login: true, books: true, orders: true };
  const signToken = deps.signToken ?? ((user: ApiUser) => issueToken(config, user));
  const router = Router();
  router.use((_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    next();
  });
  router.use(jsonBody);

  // Same credentials check and the same per email+IP failure limit as the login form.
  if (parts.login && loginLimiter) router.post('/login', async (req, res) => {
    const credentials = parseInput(loginSchema, req.body);
    const log = req.log.child({ via: 'api' });
    const user = await loginLimiter.attempt(credentials.email, req.ip ?? 'unknown', log, () => authenticate(pool, credentials.email, credentials.password));
    if (!user) throw new Unauthorized('The email or password is not correct.');
    req.log.info({ event: 'login', userId: user.id, via: 'api' }, 'api token issued');
    res.json({ token: await signToken(user), tokenType: 'Bearer', expiresIn: TOKEN_TTL_SECONDS });
  });

  // Whatever signed the token, the account's state is asked of accounts' port: in every deployment.
  const bearer = requireBearer(currentAccount(deps.verifyClaims ?? sharedSecretClaims(config), deps.ports.accounts));
  if (parts.books) router.use(booksApiRoutes({ pool, uploadDir: deps.uploadDir, listingsPerDay: config.listingsPerDay, bearer, accounts: deps.ports.accounts }));
  if (parts.orders) router.use(ordersApiRoutes({ config, pool, bearer, catalog: deps.ports.catalog, accounts: deps.ports.accounts }));
  return router;
}
