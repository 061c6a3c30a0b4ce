// The service-to-service client on its own, against a real HTTP server on 127.0.0.1: a fresh token per
// attempt addressed to the callee, JSON both ways, answers (listed 4xx) read like a 2xx, other 4xx an
// error (not an outage), and "cannot answer now" (refused, timed out, 5xx) a ServiceUnavailable,
// retried once only for calls marked safe to repeat.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { serviceClient, ServiceUnavailable } from '../../src/services/http-client.js';
import { freePort } from '../services/topology.js';

interface Seen {
  method: string;
  path: string;
  auth: string;
  type: string;
  body: unknown;
}
const seen: Seen[] = [];
let plan: ((res: express.Response) => void)[] = [];
let server: Server;
let baseUrl = '';

before(async () => {
  const app = express();
  app.use(express.json());
  app.use((req, res) => {
    seen.push({ method: req.method, path: req.originalUrl, auth: req.get('authorization') ?? '', type: req.get('content-type') ?? '', body: req.body as unknown });
    const next = plan.shift();
    if (next) next(res);
    else res.json({ ok: true });
  });
  server = app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => server.close(() => r())));

let minted = 0;
const audiences: string[] = [];
const client = (opts: { timeoutMs?: number; url?: string } = {}) =>
  serviceClient({
    service: 'catalog',
    baseUrl: opts.url ?? baseUrl,
    timeoutMs: opts.timeoutMs ?? 2000,
    token: (audience) => (audiences.push(audience), Promise.resolve(`t${++minted}`)),
  });

function fresh(steps: ((res: express.Response) => void)[] = []) {
  seen.length = 0;
  audiences.length = 0;
  plan = steps;
}
const status = (code: number, body: unknown = { error: 'x' }) => (res: express.Response) => void res.status(code).json(body);
const hang = (ms: number) => (res: express.Response) => void setTimeout(() => res.json({ late: true }), ms);

describe('serviceClient', () => {
  test('sends JSON with a bearer token for the callee, and answers the JSON body', async () => {
    fresh();
    assert.deepEqual(await client()('POST', '/internal/catalog/x?y=1', { ids: [1, 2] }), { ok: true });
    assert.equal(seen.length, 1);
    assert.deepEqual(seen[0], { method: 'POST', path: '/internal/catalog/x?y=1', auth: `Bearer t${minted}`, type: 'application/json', body: { ids: [1, 2] } });
    assert.deepEqual(audiences, ['catalog']);
    await client()('GET', '/internal/catalog/y');
    assert.equal(seen[1]?.type, '', 'a GET carries no body');
  });

  test('a listed 4xx is an answer; any other 4xx is an error, not an outage, and is never retried', async () => {
    fresh([status(409, { conflict: 'full' })]);
    assert.deepEqual(await client()('POST', '/a', {}, { answers: [409, 422] }), { conflict: 'full' });
    fresh([status(404)]);
    const err = await client()('GET', '/b', undefined, { idempotent: true }).catch((e: unknown) => e);
    assert.ok(err instanceof Error && !(err instanceof ServiceUnavailable));
    assert.match(err.message, /catalog answered 404 to GET \/b/);
    assert.equal(seen.length, 1);
  });

  test('a safe call is retried once after a 5xx, with a fresh token; twice failing is ServiceUnavailable', async () => {
    fresh([status(503)]);
    assert.deepEqual(await client()('GET', '/c', undefined, { idempotent: true }), { ok: true });
    assert.equal(seen.length, 2);
    assert.notEqual(seen[0]?.auth, seen[1]?.auth);
    fresh([status(500), status(502), status(500)]);
    const err = await client()('PUT', '/d', { a: 1 }, { idempotent: true }).catch((e: unknown) => e);
    assert.ok(err instanceof ServiceUnavailable);
    assert.equal(err.status, 503);
    assert.equal(err.service, 'catalog');
    assert.equal(seen.length, 2, 'one retry, no more');
  });

  test('an unsafe call is sent once: a 5xx or a timeout is ServiceUnavailable without a retry', async () => {
    fresh([status(500)]);
    assert.ok((await client()('POST', '/e', {}).catch((e: unknown) => e)) instanceof ServiceUnavailable);
    assert.equal(seen.length, 1);
    fresh([hang(1000)]);
    const started = Date.now();
    assert.ok((await client({ timeoutMs: 150 })('POST', '/f', {}).catch((e: unknown) => e)) instanceof ServiceUnavailable);
    assert.ok(Date.now() - started < 900, 'gave up at the timeout');
    assert.equal(seen.length, 1);
  });

  test('a safe call that times out is tried once more within its own timeout', async () => {
    fresh([hang(1000)]);
    const started = Date.now();
    assert.deepEqual(await client({ timeoutMs: 300 })('GET', '/g', undefined, { idempotent: true }), { ok: true });
    assert.ok(Date.now() - started < 900);
    assert.equal(seen.length, 2);
  });

  test('a refused connection is ServiceUnavailable (after one retry for a safe call)', async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    fresh();
    assert.ok((await client({ url })('GET', '/h', undefined, { idempotent: true }).catch((e: unknown) => e)) instanceof ServiceUnavailable);
    assert.deepEqual(audiences, ['catalog', 'catalog'], 'tried twice');
    fresh();
    assert.ok((await client({ url })('POST', '/h', {}).catch((e: unknown) => e)) instanceof ServiceUnavailable);
    assert.deepEqual(audiences, ['catalog'], 'tried once');
  });
});
