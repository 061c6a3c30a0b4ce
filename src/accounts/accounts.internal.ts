// Accounts' AccountsPort for the other services, at /internal/accounts behind a service token.
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Pool } from '../db/pool.js';
import { jsonBody } from '../api/json-body.js';
import { Conflict, Invalid } from '../http/errors.js';
import { parseInput, requireId } from '../http/validate.js';
import { localAccounts } from './accounts.local.js';

const idsSchema = z.object({ ids: z.array(z.number().int().positive().max(2 ** 31)).max(500) });

/**
 * A refusal is an answer, not a failure: 422 or 409 with what the caller needs to rebuild the same
 * Invalid or Conflict the in-process port throws (English templates and params, translated where
 * they are shown). The status is set from the outcome, after the work, so a refusal is never a 2xx.
 */
async function answer(res: Response, okStatus: number, work: () => Promise<object>): Promise<void> {
  let body: object;
  try {
    body = await work();
  } catch (err) {
    if (err instanceof Invalid) res.status(422).json({ invalid: { fields: err.fields, template: err.template } });
    else if (err instanceof Conflict) res.status(409).json({ conflict: { template: err.template, params: err.params } });
    else throw err;
    return;
  }
  res.status(okStatus).json(body);
}

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
  router.post('/accounts/users/:id/addresses', async (req, res) => {
    const userId = requireId(req.params.id);
    await answer(res, 201, async () => ({ added: await accounts.addAddress(userId, req.body) }));
  });
  router.post('/accounts/users/:id/addresses/check', async (req, res) => {
    const userId = requireId(req.params.id);
    await answer(res, 200, async () => {
      await accounts.checkAddress(userId, req.body);
      return { ok: true };
    });
  });
  return router;
}
