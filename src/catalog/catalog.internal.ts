// Catalog's CatalogPort for other services (order), at /internal/catalog behind a service token.
// Thin: parse, call the same functions catalog.local.ts calls, answer JSON.
import { Router } from 'express';
import { z } from 'zod';
import type { Pool } from '../db/pool.js';
import { jsonBody } from '../http/json-body.js';
import { MAX_ID, parseInput } from '../http/validate.js';
import { localCatalog } from './catalog.local.js';

const id = z.number().int().positive().max(MAX_ID);
const idsSchema = z.object({ ids: z.array(id).max(500) });
const reserveSchema = z.object({
  lines: z.array(z.object({ bookId: id, quantity: z.number().int().positive().max(1000) })).min(1).max(100),
  holdUntil: z.iso.datetime(),
});
const returnSchema = z.object({ bookIds: z.array(id).min(1).max(100) });
const statsSchema = z.object({
  stats: z
    .array(
      z.object({
        sellerId: id,
        decidedParcels: z.number().int().min(0).max(4_000_000_000),
        completedPermille: z.number().int().min(0).max(1000).nullable(),
        medianShipMinutes: z.number().int().min(0).max(4_000_000_000).nullable(),
      }),
    )
    .max(500),
});
const keySchema = z.string().min(1).max(100).regex(/^[A-Za-z0-9:_-]+$/);

export function catalogInternalRoutes({ pool }: { pool: Pool }): Router {
  const catalog = localCatalog(pool);
  const router = Router();
  router.use(jsonBody);
  const key = (raw: unknown) => parseInput(z.object({ key: keySchema }), { key: raw }).key;

  router.post('/catalog/books-for-sale', async (req, res) => {
    res.json(await catalog.booksForSale(parseInput(idsSchema, req.body).ids));
  });
  router.put('/catalog/reservations/:key', async (req, res) => {
    const input = parseInput(reserveSchema, req.body);
    res.json(await catalog.reserve(key(req.params.key), input.lines, { holdUntil: new Date(input.holdUntil) }));
  });
  router.post('/catalog/reservations/:key/commit', async (req, res) => {
    res.json({ committed: await catalog.commit(key(req.params.key)) });
  });
  router.post('/catalog/reservations/:key/release', async (req, res) => {
    res.json({ released: await catalog.release(key(req.params.key)) });
  });
  router.put('/catalog/seller-stats', async (req, res) => {
    await catalog.publishSellerStats(parseInput(statsSchema, req.body).stats);
    res.json({ stored: true });
  });
  router.post('/catalog/reservations/:key/return', async (req, res) => {
    const input = parseInput(returnSchema, req.body);
    res.json({ returned: await catalog.returnLines(key(req.params.key), input.bookIds) });
  });
  return router;
}
