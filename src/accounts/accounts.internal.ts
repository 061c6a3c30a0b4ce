// Accounts' AccountsPort for the other services, at /internal/accounts behind a service token, and
// the sessions they run their pages on (accounts owns the sessions table; see sessions.local.ts).
import { Router, type Response } from 'express';
import { z } from 'zod';
import type { Pool } from '../db/pool.js';
import { jsonBody } from '../http/json-body.js';
import { Conflict, Invalid } from '../http/errors.js';
import { MAX_ID, parseInput, requireId } from '../http/validate.js';
import { localAccounts } from './accounts.local.js';
import { localSessions } from './sessions.local.js';

const idsSchema = z.object({ ids: z.array(z.number().int().positive().max(MAX_ID)).max(500) });
/** express-session's ids (24 random bytes, base64url), with room to spare; anything else is none. */
const sessionIdSchema = z.object({ sid: z.string().regex(/^[A-Za-z0-9_-]{16,128}$/) });
const savedSessionSchema = z.object({ data: z.string().min(2).max(64 * 1024), expires: z.number().int().positive().max(2 ** 32 - 1) });

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
  const sessions = localSessions(pool);
  const router = Router();
  router.use(jsonBody);
  const sid = (raw: unknown) => parseInput(sessionIdSchema, { sid: raw }).sid;
  const isSid = (raw: unknown) => sessionIdSchema.safeParse({ sid: raw }).success;
  // The session behind a cookie catalog or order received (its signature already checked there),
  // with the account it is logged in as; saved and removed as their pages change it.
  router.get('/accounts/sessions/:sid', async (req, res) => {
    res.json({ session: isSid(req.params.sid) ? await sessions.read(req.params.sid) : null });
  });
  router.put('/accounts/sessions/:sid', async (req, res) => {
    const { data, expires } = parseInput(savedSessionSchema, req.body);
    await sessions.write(sid(req.params.sid), data, expires);
    res.json({ saved: true });
  });
  router.post('/accounts/sessions/:sid/remove', async (req, res) => {
    await sessions.remove(sid(req.params.sid));
    res.json({ removed: true });
  });
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
