// Service tokens (issue 21, item 10), in one process: the real client (serviceClient with
// serviceTokens) against the real guard (requireServiceToken) over HTTP on 127.0.0.1. The callee
// remembers every token it accepted, so the client's own retry must send a fresh one.
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { after, before, describe, test } from 'node:test';
import express from 'express';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { HttpError } from '../../src/http/errors.js';
import { serviceClient } from '../../src/services/http-client.js';
import { OneTimeIds } from '../../src/services/one-time-ids.js';
import { requireServiceToken, serviceTokens } from '../../src/services/tokens.js';

let server: Server;
let baseUrl = '';
let orderKey = '';
const seen: string[] = [];
let failNext = 0;

before(async () => {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  orderKey = await exportPKCS8(privateKey);
  const app = express();
  app.use('/internal', await requireServiceToken('auth', { order: await exportSPKI(publicKey) }));
  // A callee that accepted the token and then failed (a 503 after the guard): the client retries.
  app.get('/internal/thing', (req, res) => {
    seen.push(req.get('authorization') ?? '');
    if (failNext-- > 0) res.status(503).json({ error: 'busy' });
    else res.json({ ok: true });
  });
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    res.status(err instanceof HttpError ? err.status : 500).json({ error: String(err) });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

describe('service tokens', () => {
  test("the client's retry sends a fresh token, which the callee accepts; the same token twice is refused", async () => {
    const token = await serviceTokens('order', orderKey);
    const call = serviceClient({ service: 'auth', baseUrl, timeoutMs: 2000, token });
    seen.length = 0;
    failNext = 1;
    assert.deepEqual(await call('GET', '/internal/thing', undefined, { idempotent: true }), { ok: true });
    assert.equal(seen.length, 2, 'answered 503, then retried');
    assert.notEqual(seen[0], seen[1], 'each attempt carries its own token');
    // Many calls in a row: each is accepted (a token is never reused).
    for (let i = 0; i < 5; i++) assert.deepEqual(await call('GET', '/internal/thing', undefined, { idempotent: true }), { ok: true });

    const replayed = await fetch(`${baseUrl}/internal/thing`, { headers: { authorization: seen[1]! } });
    assert.equal(replayed.status, 401);
  });

  test('the callee remembers a bounded number of ids, and forgets them once they expire', () => {
    let now = 1_000;
    const ids = new OneTimeIds(3, () => now);
    assert.equal(ids.firstUse('a', 1_030), true);
    assert.equal(ids.firstUse('a', 1_030), false);
    assert.equal(ids.firstUse('b', 1_031), true);
    assert.equal(ids.firstUse('c', 1_032), true);
    assert.equal(ids.firstUse('d', 1_033), true);
    assert.equal(ids.size, 3, 'past the bound the oldest is forgotten');
    assert.equal(ids.firstUse('d', 1_033), false);
    now = 1_040;
    assert.equal(ids.firstUse('e', 1_070), true);
    assert.equal(ids.size, 1, 'expired ids are dropped');
  });
});
