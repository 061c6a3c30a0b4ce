// Idempotency-Key for API POSTs (the Stripe model): the first answer is stored and replayed to a
// retry with `Idempotent-Replayed: true`; the same key with another request body gets 422; a retry
// while the first request still runs gets 409. Server errors (5xx) are not stored, so they can be retried.
import { createHash } from 'node:crypto';
import type { RequestHandler } from 'express';
import type { Pool } from '../db/pool.js';
import { BadRequest, Conflict, HttpError } from '../http/errors.js';
import * as repo from './idempotency.repo.js';

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;

export function idempotent(pool: Pool): RequestHandler {
  return async (req, res, next) => {
    const key = req.get('idempotency-key');
    if (key === undefined) return next();
    if (!/^[A-Za-z0-9_.:-]{8,100}$/.test(key)) return next(new BadRequest('Idempotency-Key must be 8 to 100 letters, digits, "-", "_", "." or ":".'));
    const userId = req.apiUser!.id;
    // The body's bytes as received, never a re-serialisation of the parsed value (that recursion
    // would overflow the stack on deeply nested input).
    const hash = createHash('sha256').update(`${req.method} ${req.originalUrl}\n`).update(req.rawBody ?? Buffer.alloc(0)).digest('hex');

    if (!(await repo.claimKey(pool, userId, key, hash, new Date()))) {
      const stored = await repo.findAnswer(pool, userId, key);
      if (!stored) return next(new Conflict('A request with this Idempotency-Key just failed; retry it.'));
      if (stored.requestHash !== hash) return next(new HttpError(422, 'This Idempotency-Key was already used for a different request.', 'Idempotency-Key reused'));
      if (stored.statusCode === null || stored.responseBody === null) return next(new Conflict('A request with this Idempotency-Key is still being processed; retry in a moment.'));
      res.status(stored.statusCode).set('Idempotent-Replayed', 'true').type('application/json').send(stored.responseBody);
      return;
    }

    // Store the answer before it leaves, so a retry that arrives next sees it.
    const send = res.json.bind(res);
    res.json = (body: unknown) => {
      const status = res.statusCode;
      const text = JSON.stringify(body);
      const store = status >= 500 ? repo.releaseKey(pool, userId, key) : repo.saveAnswer(pool, userId, key, status, text);
      store.then(
        () => send(body),
        (err: unknown) => {
          req.log.error({ err }, 'could not store the idempotent answer');
          send(body);
        },
      );
      return res;
    };
    next();
  };
}
