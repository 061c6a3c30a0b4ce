import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createPool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { csrfFrom, loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

/** An app whose database does not answer (nothing listens on port 1). */
function appWithDeadDatabase() {
  const config = loadConfig({ NODE_ENV: 'production', DATABASE_URL: 'mysql://root@127.0.0.1:1/bookstore', SESSION_SECRET: 's'.repeat(32), JWT_SECRET: 'j'.repeat(32), UPLOAD_DIR: t.uploadDir, LOG_LEVEL: 'silent' });
  const pool = createPool(config.databaseUrl, 1);
  const bookstore = createApp({ config, pool, logger: createLogger('silent'), database: 'bookstore' });
  return { app: bookstore.app, close: () => pool.end() };
}

describe('health', () => {
  test('/ping answers pong without the database', async () => {
    const dead = appWithDeadDatabase();
    try {
      const res = await supertest(dead.app).get('/ping');
      assert.equal(res.status, 200);
      assert.equal(res.text, 'pong');
      assert.equal(res.headers['set-cookie'], undefined);
    } finally {
      await dead.close();
    }
  });

  test('/healthz reports the database', async () => {
    const ok = await supertest(t.app).get('/healthz');
    assert.equal(ok.status, 200);
    assert.deepEqual(ok.body, { db: 'ok', mail: 'off' });
    const dead = appWithDeadDatabase();
    try {
      const down = await supertest(dead.app).get('/healthz');
      assert.equal(down.status, 503);
      assert.deepEqual(down.body, { db: 'down' });
    } finally {
      await dead.close();
    }
  });
});

describe('error pages', () => {
  test('an unknown page is a 404 page in the layout', async () => {
    const res = await supertest(t.app).get('/no/such/page').set('Accept-Language', 'en');
    assert.equal(res.status, 404);
    assert.match(res.text, /Page not found/);
    assert.match(res.text, /<nav/);
  });

  test('a form posted to an unknown page without a CSRF token is refused before any route (403), as through the services\' Ingress', async () => {
    const res = await supertest(t.app).post('/no/such/page').type('form').send({ a: '1' }).set('Accept-Language', 'en');
    assert.equal(res.status, 403);
    assert.match(res.text, /<nav/);
    assert.doesNotMatch(res.text, /Page not found/);
  });

  test('under /api errors are JSON', async () => {
    const res = await supertest(t.app).get('/api/no-such-thing');
    assert.equal(res.status, 404);
    assert.match(String(res.headers['content-type']), /application\/json/);
    const body = res.body as { error: { status: number }; requestId: string };
    assert.equal(body.error.status, 404);
    assert.ok(body.requestId);
  });

  test('a database failure shows a 500 page with the request id and no stack trace', async () => {
    const own = await startTestApp();
    try {
      const { agent } = await loggedInAgent(own);
      await own.pool.query('RENAME TABLE users TO users_gone');
      const res = await agent.get('/account').set('X-Request-Id', 'req-test-12345');
      assert.equal(res.status, 500);
      assert.match(res.text, /Something went wrong/);
      assert.match(res.text, /req-test-12345/);
      assert.doesNotMatch(res.text, /at \w+ \(|\.ts:\d+|ER_NO_SUCH_TABLE|users_gone|doesn't exist/);
      assert.ok(own.logs.some((l) => l.includes('req-test-12345') && l.includes('"level":50')), 'the error is logged with the request id');
    } finally {
      await own.close();
    }
  });

  test('bad input from a button (not a form that re-renders) gets a 422 page listing what was wrong', async () => {
    const { agent } = await loggedInAgent(t);
    const page = await agent.get('/account');
    const res = await agent.post('/cart/add').type('form').send({ _csrf: csrfFrom(page.text), book_id: 'abc', quantity: '1' });
    assert.equal(res.status, 422);
    assert.match(res.text, /This could not be done:/);
    assert.match(res.text, /<li>Choose a book\.<\/li>/);
    assert.doesNotMatch(res.text, /errors below/);
  });

  test('a body that is not valid form data gets 400, not 500', async () => {
    const res = await supertest(t.app).post('/login').set('Content-Type', 'multipart/form-data; boundary=x').send('garbage');
    assert.ok(res.status >= 400 && res.status < 500, String(res.status));
  });
});

describe('headers', () => {
  test('strict CSP, no X-Powered-By, nosniff, HSTS, referrer policy, no framing', async () => {
    const res = await supertest(t.app).get('/');
    assert.equal(res.status, 200);
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /script-src 'self'(;|$)/);
    assert.match(csp, /style-src 'self'(;|$)/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.match(String(res.headers['strict-transport-security']), /max-age=31536000/);
    assert.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin');
    assert.ok(res.headers['x-request-id']);
  });

  test('pages have no inline script or style and load assets from /public', async () => {
    for (const path of ['/', '/login', '/register']) {
      const html = (await supertest(t.app).get(path)).text;
      assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/, `${path}: inline script`);
      assert.doesNotMatch(html, /<style|\sstyle="|\son[a-z]+="/, `${path}: inline style or handler`);
      for (const [, href] of html.matchAll(/(?:href|src)="(\/public\/[^"]+)"/g)) {
        assert.equal((await supertest(t.app).get(href!)).status, 200, href);
      }
    }
    const css = await supertest(t.app).get('/public/vendor/pico.min.css');
    assert.equal(css.status, 200);
    assert.match(String(css.headers['cache-control']), /max-age=604800/);
  });

  test('the session cookie is HttpOnly, SameSite=Lax and Secure over HTTPS through the trusted proxy', async () => {
    const proxied = await startTestApp({ TRUST_PROXY: 'loopback', NODE_ENV: 'production' }, t.db);
    try {
      const https = await supertest(proxied.app).get('/login').set('X-Forwarded-Proto', 'https');
      const cookie = String((https.headers['set-cookie'] as unknown as string[])[0]);
      assert.match(cookie, /^__Host-bookstore\.sid=/);
      assert.match(cookie, /; Path=\//);
      assert.match(cookie, /; HttpOnly/);
      assert.match(cookie, /; Secure/);
      assert.match(cookie, /; SameSite=Lax/);
      // Plain HTTP to a production app: no cookie at all rather than an insecure one.
      const plain = await supertest(proxied.app).get('/login');
      assert.equal(plain.headers['set-cookie'], undefined);
    } finally {
      await proxied.close();
    }
    // Without a trusted proxy the header is ignored.
    const untrusted = await supertest(t.app).get('/login').set('X-Forwarded-Proto', 'https');
    const cookie = String((untrusted.headers['set-cookie'] as unknown as string[])[0]);
    assert.match(cookie, /HttpOnly/);
    assert.doesNotMatch(cookie, /Secure/);
  });
});
