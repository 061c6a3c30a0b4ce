// Accounts' AccountsPort for the other services, at /internal/accounts behind a service token.
import { Router } from 'express';
import { z } from 'zod';
import type { Pool } from '../db/pool.js';
import { jsonBody } from '../api/json-body.js';
import { parseInput, requireId } from '../http/validate.js';
import { localAccounts } from './accounts.local.js';

const idsSchema = z.object({ ids: z.array(z.number().int().positive().max(2 ** 31)).max(500) });

export function accountsInternalRoutes({ pool }: { pool: Pool }): Router {
  const accounts = localAccounts(pool);
  const router = Router();
  router.use(jsonBody);
  router.post('/accounts/users', async (req, res) => {
    res.json(await accounts.usersByIds(parseInput(idsSchema, req.body).ids));
  });
  router.get('/accounts/session-user/:id/:version', async (req, res) => {
    const version = Number(req.params.version);
    const user = Number.isSafeInteger(version) && version >= 0 ? await accounts.sessionUser(requireId(req.params.id), version) : null;
    res.json({ user });
  });
  return router;
}
