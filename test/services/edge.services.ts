// The edge of the split shop: what the Ingress-equivalent nginx (generated from k8s/base/ingress.yaml
// by scripts/ingress-nginx.mjs) itself decides. Paths under no service's prefix get the shop's 404
// (the not-found Ingress); a cover larger than nginx's body buffer goes through (nginx, started as root,
// writes it to a temp file its workers can reach); and the client's address the services limit
// logins by is the one nginx saw, never an X-Forwarded-For the client sent.
import { client } from '../helpers/cookie-client.js';
import assert from 'node:assert/strict';
import { request } from 'node:https';
import { after, before, describe, test } from 'node:test';
import sharp from 'sharp';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createUser, csrfFrom, PASSWORD, uniqueEmail } from '../helpers/users.js';
import { SERVER_URL, startTopology, type Topology } from './topology.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // nginx's certificate is self-signed, as in the local stack

const ACCOUNT_AND_ADDRESS_LIMIT = 3;
const ADDRESS_LIMIT = 6;
let t: Topology;
let authPool: Pool;

before(async () => {
  t = await startTopology({ env: { LOGIN_MAX_FAILURES: String(ACCOUNT_AND_ADDRESS_LIMIT), LOGIN_ADDRESS_MAX_FAILURES: String(ADDRESS_LIMIT) } });
  authPool = createPool(`${SERVER_URL}/${t.databases.auth}`, 2);
});
after(async () => {
  await authPool?.end();
  await t?.close();
});


/** A browser-like client that keeps its cookies (superagent's jar drops the Secure __Host- one). */
function browser() {
  return client(t.base);
}

/** POST /auth/api/login through the Ingress, from a chosen local address, with a chosen X-Forwarded-For. */
function apiLogin(email: string, password: string, opts: { forwardedFor?: string; from?: string } = {}): Promise<{ status: number; body: string }> {
  const url = new URL('/auth/api/login', t.base);
  const payload = JSON.stringify({ email, password });
  const headers: Record<string, string> = { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(payload)) };
  if (opts.forwardedFor) headers['X-Forwarded-For'] = opts.forwardedFor;
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers, localAddress: opts.from ?? '127.0.0.1', rejectUnauthorized: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

describe('the Ingress edge', () => {
  test('a path no prefix matches gets the shop\'s 404 page (the not-found Ingress), with its security headers; a form posted there is refused as in the monolith', async () => {
    for (const path of ['/nope', '/login', '/internal/accounts/1', '/catalog', '/api/login', '/ping']) {
      const res = await browser().get(path);
      assert.equal(res.status, 404, path);
      assert.match(String(res.headers['content-type']), /^text\/html/, path);
      assert.match(String(res.headers['content-security-policy']), /default-src 'self'/, path);
      assert.equal(res.headers['x-content-type-options'], 'nosniff', path);
      assert.match(String(res.headers['strict-transport-security']), /max-age=\d+/, path);
      assert.match(res.text, /<h1>Page not found<\/h1>/, path);
      assert.match(res.text, /href="\/book\/catalog"/, `${path}: the shop's layout, its links under the services' prefixes`);
    }
    // The Ingress passes the method on (ingress-nginx has no annotation to change it): catalog's CSRF
    // check refuses an unsafe request before any route, as the monolith does (test/site/health-and-errors).
    const posted = await browser().post('/nope').type('form').send({ a: '1' });
    assert.equal(posted.status, 403);
    assert.match(posted.text, /href="\/book\/catalog"/);
  });

  test('a seller publishes a cover larger than nginx\'s body buffer (about 1 MB) through the Ingress', async () => {
    const user = await createUser(authPool);
    const seller = browser();
    const loggedIn = await seller.post('/auth/login').type('form').send({ _csrf: csrfFrom((await seller.get('/auth/login')).text), email: user.email, password: PASSWORD });
    assert.equal(loggedIn.status, 302, loggedIn.text.slice(0, 300));
    const cover = await sharp({ create: { width: 1000, height: 1500, channels: 3, background: '#808080', noise: { type: 'gaussian', mean: 128, sigma: 50 } } })
      .jpeg({ quality: 90 })
      .toBuffer();
    assert.ok(cover.length > 1_000_000, `a cover of ${cover.length} bytes`);
    const res = await seller
      .post('/book/add_book')
      .field('_csrf', csrfFrom((await seller.get('/book/add_book')).text))
      .field({ title: 'A heavy cover', author: 'Ursula K. Le Guin', isbn: '', description: 'A used copy.', condition: 'good', price: '8.00', stock: '1' })
      .attach('cover', cover, { filename: 'cover.jpg', contentType: 'image/jpeg' });
    assert.equal(res.status, 302, res.text.slice(0, 300));
    const id = /^\/book\/(\d+)$/.exec(res.headers.location ?? '')?.[1];
    assert.ok(id, `redirected to ${res.headers.location}`);
    const page = await browser().get(`/book/${id}`);
    const src = /src="(\/book\/uploads\/covers\/[^"]+\.webp)"/.exec(page.text)?.[1];
    assert.ok(src, 'the book page shows its cover');
    assert.equal((await browser().get(src)).headers['content-type'], 'image/webp');
  });

  test('rotating X-Forwarded-For does not escape the per-account limit: the services see the address nginx saw', async () => {
    const user = await createUser(authPool);
    for (let i = 1; i <= ACCOUNT_AND_ADDRESS_LIMIT; i++) {
      const res = await apiLogin(user.email, `wrong password ${i}`, { forwardedFor: `198.51.100.${i}` });
      assert.equal(res.status, 401, `failure ${i}: ${res.body}`);
    }
    const blocked = await apiLogin(user.email, PASSWORD, { forwardedFor: '198.51.100.99' });
    assert.equal(blocked.status, 429, blocked.body);
    assert.match(blocked.body, /Too many failed logins for this account from your network/);
    const logged = t.logs('auth').split('\n').filter((l) => l.includes('"event":"login_failed"') && l.includes(user.email));
    assert.equal(logged.length, ACCOUNT_AND_ADDRESS_LIMIT);
    for (const line of logged) assert.match(line, /"ip":"127\.0\.0\.1"/);
  });

  test('a client cannot lock another address out by sending it as X-Forwarded-For', async () => {
    const victim = await createUser(authPool);
    // The attacker (127.0.0.1) tries many emails, each claiming to come from the victim's 127.0.0.2,
    // until the stuffing limit answers 429: that limit is the attacker's own.
    let attempts = 0;
    let last = { status: 0, body: '' };
    while (last.status !== 429 && attempts <= ADDRESS_LIMIT) {
      attempts += 1;
      last = await apiLogin(uniqueEmail('stuffed'), 'guess-password-1', { forwardedFor: '127.0.0.2' });
    }
    assert.equal(last.status, 429, last.body);
    assert.match(last.body, /Too many failed logins from your network/);
    assert.equal((await apiLogin(victim.email, PASSWORD, { from: '127.0.0.1' })).status, 429, 'the attacker\'s address is the one blocked');
    // The victim, really at 127.0.0.2, logs in.
    const res = await apiLogin(victim.email, PASSWORD, { from: '127.0.0.2' });
    assert.equal(res.status, 200, res.body);
    assert.match(res.body, /"token":/);
  });
});
