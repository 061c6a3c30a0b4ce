// Accounts' AccountsPort for the other services, at /internal/accounts behind a service token.
import { Router } from 'express';
import { z } from 'zod';
import type { Pool } from '../db/pool.js';
import { jsonBody } from '../api/json-body.js';
import { Conflict, Invalid } from '../http/errors.js';
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
  // The address book, always for the user named in the path: another user's address id is
  // `null` here, which the caller turns into its 404 (nothing changes).
  router.get('/accounts/users/:id/addresses', async (req, res) => {
    res.json(await accounts.addressesOfUser(requireId(req.params.id)));
  });
  router.get('/accounts/users/:id/addresses/:addressId', async (req, res) => {
    res.json({ address: await accounts.addressOfUser(requireId(req.params.id), requireId(req.params.addressId)) });
  });
  // A refusal is an answer, not a failure: the caller rebuilds the same Invalid or Conflict the
  // in-process port throws (English templates and params, translated where they are shown).
  router.post('/accounts/users/:id/addresses', async (req, res) => {
    try {
      res.status(201).json({ added: await accounts.addAddress(requireId(req.params.id), req.body) });
    } catch (err) {
      if (err instanceof Invalid) res.json({ invalid: { fields: err.fields, template: err.template } });
      else if (err instanceof Conflict) res.json({ conflict: { template: err.template, params: err.params } });
      else throw err;
    }
  });
  return router;
}
