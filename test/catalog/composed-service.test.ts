// The catalog service's app as its entry point composes it (its one unit, the service's URL layout),
// in-process on the test database: the pages it shares between readers are kept per URL layout, so
// the same page under another forwarded prefix carries that prefix's links, never the first one's.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { catalogUnit } from '../../src/catalog/catalog.unit.js';
import { compose } from '../../src/compose.js';
import { NotFound } from '../../src/http/errors.js';
import { serviceUrls } from '../../src/http/urls.js';
import { createLogger } from '../../src/logger.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

test('a shared page is kept per URL layout: each forwarded prefix gets its own links', async () => {
  const { config, pool, ports } = t;
  const { app } = compose([catalogUnit({ config, pool, accounts: ports.accounts, apiClaims: ports.apiClaims })], {
    config,
    logger: createLogger('silent'),
    pool,
    urls: serviceUrls('catalog', { auth: '/auth', catalog: '/book', order: '/order' }),
    sessions: ports.sessions,
    internalGuard: (_req, _res, next) => next(new NotFound()),
  });
  const home = (prefix: string) => supertest(app).get('/').set('Accept-Language', 'en').set('X-Forwarded-Prefix', prefix);
  const first = await home('/book');
  assert.equal(first.status, 200);
  assert.match(first.text, /href="\/book\/catalog/);
  const other = await home('/shop/book');
  assert.equal(other.status, 200);
  assert.match(other.text, /href="\/shop\/book\/catalog/, 'its own prefix, not the page rendered for /book');
  assert.doesNotMatch(other.text, /href="\/book\/catalog/);
  assert.match(other.text, /href="\/auth\/login/, "the other services' prefixes as configured");
});
