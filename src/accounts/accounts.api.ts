// POST /api/login: the API's way in. The same credentials check and the same per email+IP failure
// limit as the login form; the token comes from the app's issuer (HS256 in the monolith, auth's ES256).
import { Router } from 'express';
import type { Pool } from '../db/pool.js';
import type { ApiTokenIssuer } from '../api/jwt.js';
import { TOKEN_TTL_SECONDS } from '../api/jwt.js';
import { Unauthorized } from '../http/errors.js';
import { parseInput } from '../http/validate.js';
import { loginSchema } from './accounts.schema.js';
import { authenticate } from './accounts.service.js';
import type { LoginLimiter } from './login-limiter.js';

export function loginApiRoutes({ pool, loginLimiter, tokens }: { pool: Pool; loginLimiter: LoginLimiter; tokens: ApiTokenIssuer }): Router {
  const router = Router();
  router.post('/login', async (req, res) => {
    const credentials = parseInput(loginSchema, req.body);
    const log = req.log.child({ via: 'api' });
    const user = await loginLimiter.attempt(credentials.email, req.ip ?? 'unknown', log, () => authenticate(pool, credentials.email, credentials.password));
    if (!user) throw new Unauthorized('The email or password is not correct.');
    req.log.info({ event: 'login', userId: user.id, via: 'api' }, 'api token issued');
    res.json({ token: await tokens.sign(user), tokenType: 'Bearer', expiresIn: TOKEN_TTL_SECONDS });
  });
  return router;
}
