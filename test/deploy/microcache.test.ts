// The micro-cache for anonymous pages (nginx/snippets/microcache.conf), with the real nginx in
// front of the real app: anonymous GETs of the home page, catalog and book pages are shared for
// about a second; logged-in requests, Authorization, cookies being set, POSTs and the private
// sections never are. A second nginx in front of a stub upstream checks the Set-Cookie rule on a
// cached location (the app itself never sets a cookie there for an anonymous visitor).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { createBook } from '../helpers/orders.js';
import { createUser, csrfFrom } from '../helpers/users.js';
import {
  Procs, ROOT, assertTools, findTools, freePort, request, sleep, tempDir,
  waitFor, type ReqOpts, type Res,
} from './lib.js';
import { MYSQL, assertDatabase, startProductionApp, startShippedNginx } from './app-behind-nginx.js';

const tools = findTools(['nginx', 'openssl']);
const HOST = 'shop.bookstore.test';
const SID = '__Host-bookstore.sid';

const cacheStatus = (r: Res) => r.headers['x-cache-status'];
const setCookies = (r: Res) => ([] as string[]).concat(r.headers['set-cookie'] ?? []);
const unique = () => randomBytes(6).toString('hex');

describe('nginx micro-cache', { skip: tools.skip, timeout: 180_000 }, () => {
  const procs = new Procs();
  const dirs: string[] = [];
  const dbName = `bookstore_microcache_${randomBytes(5).toString('hex')}`;
  let dbCreated = false;
  let pool: mysql.Pool | undefined;
  let stub: http.Server | undefined;
  let stubHits = 0;
  let appPort: number;
  let httpsPort: number;
  let stubHttpsPort: number;
  let ca: Buffer;
  let stubCa: Buffer;
  let sellerId: number;
  let sessionCookie: string;
  const onExit = () => procs.killAllSync();
  const db = (): mysql.Pool => {
    if (!pool) throw new Error('no database pool (before() failed)');
    return pool;
  };

  const get = (p: string, o: ReqOpts = {}) =>
    request('https', httpsPort, p, { ca, servername: HOST, ...o, headers: { Host: HOST, 'Accept-Language': 'en', ...o.headers } });
  const getStub = (p: string, o: ReqOpts = {}) =>
    request('https', stubHttpsPort, p, { ca: stubCa, servername: HOST, ...o, headers: { Host: HOST, ...o.headers } });
  const loggedIn = (p: string, o: ReqOpts = {}) => get(p, { ...o, headers: { Cookie: sessionCookie, ...o.headers } });

  /** A nginx on free ports with the project's config, its upstream at upstreamPort. */
  const startNginx = (name: string, upstreamPort: number) => startShippedNginx(procs, tools.bin('nginx'), { name, host: HOST, upstreamPort, dirs });

  before(async () => {
    assertTools(tools);
    process.once('exit', onExit);
    await assertDatabase();
    appPort = await freePort();
    dbCreated = true; // the app creates it (MIGRATE_ON_START); dropped in after() either way
    const uploads = tempDir('uploads');
    dirs.push(uploads);
    startProductionApp(procs, { port: appPort, dbName, uploadDir: uploads });

    // The stub upstream: a "public" page that also sets a cookie (which nginx must not store),
    // and one that does not (which it does store, so the setup is known to cache at all).
    stub = http.createServer((req, res) => {
      stubHits += 1;
      res.setHeader('Cache-Control', 'public, max-age=0, s-maxage=1');
      res.setHeader('Content-Type', 'text/html');
      if (req.url?.startsWith('/book/catalog')) {
        res.end(`no cookie ${stubHits}`);
        return;
      }
      res.setHeader('Set-Cookie', `visitor=${stubHits}-${unique()}; Path=/; HttpOnly`);
      res.end(`visitor page ${stubHits}`);
    });
    stub.listen(0, '127.0.0.1');
    await once(stub, 'listening');

    try {
      const main = await startNginx('nginx', appPort);
      httpsPort = main.httpsPort;
      ca = main.ca;
      const second = await startNginx('nginx-stub', (stub.address() as AddressInfo).port);
      stubHttpsPort = second.httpsPort;
      stubCa = second.ca;
      await waitFor('the app on /ping', async () => (await request('http', appPort, '/ping')).status === 200, 60_000);
    } catch (e) {
      throw new Error(`${String(e)}\n${procs.dump()}`);
    }

    pool = mysql.createPool({ uri: `mysql://root@127.0.0.1:3306/${dbName}`, connectionLimit: 2 });
    const seller = await createUser(pool, { name: 'Cache Seller' });
    sellerId = seller.id;
    await createBook(pool, sellerId, { title: 'Warm-up', stock: 3 });

    // A logged-in session through nginx (the real login form).
    const buyer = await createUser(pool, { name: 'Cache Reader' });
    const form = await get('/login');
    const formCookie = setCookies(form).find((c) => c.startsWith(`${SID}=`))?.split(';')[0];
    assert.ok(formCookie, 'GET /login sets the session cookie');
    const body = new URLSearchParams({ email: buyer.email, password: buyer.password, _csrf: csrfFrom(form.text) }).toString();
    const posted = await get('/login', {
      method: 'POST',
      headers: { Cookie: formCookie, 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': Buffer.byteLength(body) },
      body,
    });
    assert.equal(posted.status, 302, `login failed: ${posted.status} ${posted.text.slice(0, 300)}`);
    sessionCookie = setCookies(posted).find((c) => c.startsWith(`${SID}=`))?.split(';')[0] ?? formCookie;
  });

  after(async () => {
    await procs.stop();
    process.removeListener('exit', onExit);
    if (stub) {
      stub.closeAllConnections();
      stub.close();
    }
    await pool?.end();
    if (dbCreated) {
      const c = await mysql.createConnection(MYSQL);
      await c.query('DROP DATABASE IF EXISTS ??', [dbName]);
      await c.end();
    }
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('serves a second anonymous catalog GET within the second from the cache; each query string is its own key', async () => {
    const url = `/book/catalog?q=${unique()}`;
    const first = await get(url);
    assert.equal(first.status, 200);
    assert.equal(cacheStatus(first), 'MISS');
    assert.equal(first.headers['cache-control'], 'public, max-age=0, s-maxage=1');
    assert.equal(setCookies(first).length, 0, 'an anonymous catalog page sets no cookie');
    const second = await get(url);
    assert.equal(cacheStatus(second), 'HIT');
    assert.equal(second.text, first.text);
    assert.equal(second.headers['cache-control'], 'public, max-age=0, s-maxage=1');
    assert.equal(second.headers['strict-transport-security'], 'max-age=63072000', 'HSTS on cached locations too');
    assert.match(String(second.headers['x-request-id']), /^[0-9a-f]{32}$/);
    assert.notEqual(second.headers['x-request-id'], first.headers['x-request-id'], 'a HIT carries its own request id');

    assert.equal(cacheStatus(await get(`${url}&page=2`)), 'MISS', 'another query string, another key');
    assert.equal(cacheStatus(await get('/book/catalog?q=' + unique())), 'MISS');
    // The lang cookie is part of the key, and so is Accept-Language (it decides without the cookie).
    const spanish = await get(url, { headers: { Cookie: 'lang=es' } });
    assert.equal(cacheStatus(spanish), 'MISS');
    assert.match(spanish.text, /<html lang="es"/);
    assert.equal(cacheStatus(await get(url, { headers: { Cookie: 'lang=es' } })), 'HIT');
    const fromHeader = await get(url, { headers: { 'Accept-Language': 'es-CO,es;q=0.9' } });
    assert.equal(cacheStatus(fromHeader), 'MISS', 'another language is another entry');
    assert.match(fromHeader.text, /<html lang="es"/);
    assert.match((await get(url)).text, /<html lang="en"/, 'the English entry stays English');
  });

  it('caches the home page and book pages too', async () => {
    const id = await createBook(db(), sellerId, { title: 'Home and away', stock: 2 });
    for (const url of [`/?v=${unique()}`, `/book/${id}`]) {
      const first = await get(url);
      assert.equal(first.status, 200, url);
      assert.equal(cacheStatus(first), 'MISS', url);
      assert.equal(first.headers['cache-control'], 'public, max-age=0, s-maxage=1', url);
      assert.equal(cacheStatus(await get(url)), 'HIT', url);
    }
  });

  it('costs the app one render for a burst of anonymous visitors (proxy_cache_lock)', async () => {
    const url = `/book/catalog?burst=${unique()}`;
    const all = await Promise.all(Array.from({ length: 8 }, () => get(url)));
    const statuses = all.map(cacheStatus);
    assert.ok(all.every((r) => r.status === 200));
    assert.equal(statuses.filter((s) => s === 'MISS').length, 1, JSON.stringify(statuses));
  });

  it('never answers a logged-in request from the cache, nor stores its page', async () => {
    const id = await createBook(db(), sellerId, { title: 'For members', stock: 2 });
    for (const url of ['/', `/book/catalog?q=${unique()}`, `/book/${id}`]) {
      // An anonymous copy is in the cache...
      await get(url);
      assert.equal(cacheStatus(await get(url)), 'HIT', url);
      // ...and a logged-in visitor still gets their own page, every time.
      for (let i = 0; i < 2; i += 1) {
        const mine = await loggedIn(url);
        assert.equal(mine.status, 200, url);
        assert.equal(cacheStatus(mine), 'BYPASS', url);
        assert.equal(mine.headers['cache-control'], 'private, no-store', url);
        assert.match(mine.text, /Log out/, `${url} is the logged-in page`);
      }
    }
    // Nothing a logged-in request fetched is stored for the next visitor.
    const fresh = `/book/catalog?q=${unique()}`;
    assert.equal(cacheStatus(await loggedIn(fresh)), 'BYPASS');
    const anon = await get(fresh);
    assert.equal(cacheStatus(anon), 'MISS');
    assert.doesNotMatch(anon.text, /Log out/);
    // The cookie is recognised wherever it is in the header, under either name.
    const withOthers = await get(`/book/catalog?q=${unique()}`, { headers: { Cookie: `lang=en; ${sessionCookie}; x=1` } });
    assert.equal(cacheStatus(withOthers), 'BYPASS');
    const devName = await get(`/book/catalog?q=${unique()}`, { headers: { Cookie: 'bookstore.sid=s%3Aabc.def' } });
    assert.equal(cacheStatus(devName), 'BYPASS');
  });

  it('never uses the cache for a request with Authorization', async () => {
    const url = `/book/catalog?q=${unique()}`;
    await get(url);
    for (let i = 0; i < 2; i += 1) {
      const r = await get(url, { headers: { Authorization: 'Bearer not-a-token' } });
      assert.equal(cacheStatus(r), 'BYPASS');
    }
    const fresh = `/book/catalog?q=${unique()}`;
    assert.equal(cacheStatus(await get(fresh, { headers: { Authorization: 'Basic eDp5' } })), 'BYPASS');
    assert.equal(cacheStatus(await get(fresh)), 'MISS', 'what an Authorization request fetched was not stored');
  });

  it('never caches /api, /account, /purchases, /sales, /cart or /admin', async () => {
    for (const url of ['/api/delivery_providers', '/account', '/purchases', '/sales', '/cart', '/admin/users']) {
      for (let i = 0; i < 2; i += 1) {
        const anon = await get(url);
        assert.ok(anon.status < 500, `${url}: ${anon.status}`);
        assert.equal(cacheStatus(anon), undefined, `${url} is not behind the cache`);
        const mine = await loggedIn(url);
        assert.ok(mine.status < 500, `${url}: ${mine.status}`);
        assert.equal(cacheStatus(mine), undefined, `${url} is not behind the cache`);
        assert.match(String(mine.headers['cache-control']), /\bno-store\b/, url);
      }
    }
    const api = await get('/api/delivery_providers');
    assert.equal(api.headers['cache-control'], 'no-store', 'the API says no-store itself');
  });

  it('never caches a POST, nor answers one from the cache', async () => {
    const url = `/book/catalog?q=${unique()}`;
    await get(url);
    assert.equal(cacheStatus(await get(url)), 'HIT');
    for (const p of [url, '/', '/login']) {
      for (let i = 0; i < 2; i += 1) {
        const r = await get(p, { method: 'POST', headers: { 'Content-Type': 'application/x-www-form-urlencoded', 'Content-Length': 3 }, body: 'a=1' });
        assert.notEqual(cacheStatus(r), 'HIT', p);
        assert.ok(r.headers['x-request-id'], `${p}: the app answered`);
      }
    }
  });

  it('never serves a page that set a cookie to anyone else', async () => {
    // GET /login starts a session for its form token: each visitor gets their own.
    const a = await get('/login');
    const b = await get('/login');
    for (const r of [a, b]) {
      assert.equal(r.status, 200);
      assert.notEqual(cacheStatus(r), 'HIT');
      assert.equal(r.headers['cache-control'], 'private, no-store');
    }
    const sidA = setCookies(a).find((c) => c.startsWith(`${SID}=`))?.split(';')[0];
    const sidB = setCookies(b).find((c) => c.startsWith(`${SID}=`))?.split(';')[0];
    assert.ok(sidA && sidB, 'both visitors got a session cookie');
    assert.notEqual(sidA, sidB);
    assert.notEqual(csrfFrom(a.text), csrfFrom(b.text));

    // On a cached location, a response with Set-Cookie is never stored even when it says
    // "public, s-maxage=1" (stub upstream behind the same config).
    const url = `/?v=${unique()}`;
    const hits = stubHits;
    const first = await getStub(url);
    const second = await getStub(url);
    assert.equal(stubHits - hits, 2, 'both went to the upstream');
    assert.equal(cacheStatus(first), 'MISS');
    assert.equal(cacheStatus(second), 'MISS');
    assert.notEqual(second.text, first.text);
    assert.notDeepEqual(setCookies(second), setCookies(first));
    // Control: the same config does cache the stub's cookie-less page.
    const plain = `/book/catalog?v=${unique()}`;
    assert.equal(cacheStatus(await getStub(plain)), 'MISS');
    assert.equal(cacheStatus(await getStub(plain)), 'HIT');
  });

  it('shows a book that sells out as "Sold out" to anonymous visitors within 2 s', async () => {
    const id = await createBook(db(), sellerId, { title: 'Last copy', stock: 1 });
    const url = `/book/${id}`;
    const catalogUrl = `/book/catalog?v=${unique()}`; // newest first: this book is on top
    const before = await get(url);
    assert.match(before.text, /1 copy in stock/);
    assert.doesNotMatch(before.text, /Sold out/);
    assert.equal(cacheStatus(await get(url)), 'HIT');
    // A new listing reaches page 1 within a few seconds, not at once: which books a page shows is
    // worked out at most every 2 s (PageStarts), and nginx keeps a page up to 2 s. Before the sale
    // the book must be on the page, or "not sold out" would say nothing.
    const listedAt = Date.now();
    while (!(await get(catalogUrl)).text.includes(`href="/book/${id}"`) && Date.now() - listedAt < 6_000) await sleep(100);
    const listed = await get(catalogUrl);
    assert.ok(listed.text.includes(`href="/book/${id}"`), 'the new book is on page 1 of the catalog');
    assert.doesNotMatch(listed.text, /Sold out/);
    assert.equal(cacheStatus(await get(catalogUrl)), 'HIT');

    await db().execute('UPDATE books SET stock = 0 WHERE id = ?', [id]);
    const soldAt = Date.now();
    // nginx counts cache lifetimes in whole seconds: s-maxage=1 keeps a copy for 1 to 2 s after it
    // was stored (before the sale). So every request sent 2 s or more after the sale must show it.
    for (const u of [url, catalogUrl]) {
      const stale: number[] = [];
      let soldOut = false;
      while (!soldOut && Date.now() - soldAt < 3_000) {
        const sentAt = Date.now() - soldAt;
        soldOut = /Sold out/.test((await get(u)).text);
        if (!soldOut) {
          stale.push(sentAt);
          await sleep(20);
        }
      }
      assert.ok(soldOut, `${u} still not sold out 3 s after the sale`);
      assert.ok(stale.every((ms) => ms < 2_000), `${u} showed the old stock to a request sent ${Math.max(...stale)} ms after the sale`);
    }
  });
});

describe('micro-cache config in the image', () => {
  it('has a Dockerfile default for every template placeholder (the cache dir included)', () => {
    const template = fs.readFileSync(path.join(ROOT, 'nginx', 'templates', 'bookstore.conf.template'), 'utf8');
    const dockerfile = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
    const names = new Set([...template.matchAll(/\$\{(NGINX_[A-Z_]+)\}/g)].map((m) => m[1] ?? ''));
    assert.ok(names.has('NGINX_CACHE_DIR'));
    for (const name of names) assert.match(dockerfile, new RegExp(`^\\s+${name}=\\S+`, 'm'), `${name} has no ENV default in the Dockerfile`);
  });
});
