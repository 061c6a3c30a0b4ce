// Issue 21, items 2 and 10, in the split shop (three processes behind the Ingress nginx):
// - an API token ends on catalog and order when its account is disabled, demoted or changes its
//   password, within the stated bound (auth's answer is cached ACCOUNT_CHECK_CACHE_MS, 2 s here);
// - a service token is good for one call: replayed, or with an expiry far past its issue time, 401.
import { client } from '../helpers/cookie-client.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { importPKCS8, SignJWT } from 'jose';
import supertest from 'supertest';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createUser, csrfFrom, PASSWORD } from '../helpers/users.js';
import { SERVER_URL, startTopology, type Topology } from './topology.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // nginx's certificate is self-signed, as in the local stack

const CACHE_MS = 2000;
/** The bound, plus time for the requests themselves on a busy machine. */
const REFUSED_WITHIN_MS = CACHE_MS + 1500;

let t: Topology;
let authDb: Pool;
let orderDb: Pool;
let catalogDb: Pool;

before(async () => {
  t = await startTopology({ env: { ACCOUNT_CHECK_CACHE_MS: String(CACHE_MS) } });
  authDb = createPool(`${SERVER_URL}/${t.databases.auth}`, 2);
  orderDb = createPool(`${SERVER_URL}/${t.databases.order}`, 2);
  catalogDb = createPool(`${SERVER_URL}/${t.databases.catalog}`, 2);
});
after(async () => {
  await Promise.all([authDb?.end(), orderDb?.end(), catalogDb?.end()]);
  await t?.close();
});


/** A browser-like client for auth's pages: keeps the cookies it is given (including the Secure __Host- one). */
function browser() {
  const a = client(t.base);
  /** Posts a form of the page at `formPage`, with that page's CSRF token. */
  const submit = async (formPage: string, path: string, fields: Record<string, string>) => {
    const page = await a.get(formPage);
    const res = await a.post(path).type('form').send({ _csrf: csrfFrom(page.text), ...fields });
    assert.equal(res.status, 302, res.text.slice(0, 300));
    return res;
  };
  return { ...a, submit };
}

async function logIn(email: string, password = PASSWORD) {
  const b = browser();
  await b.submit('/auth/login', '/auth/login', { email, password });
  return b;
}

async function apiToken(email: string, password = PASSWORD): Promise<string> {
  const res = await supertest(t.base).post('/auth/api/login').send({ email, password });
  assert.equal(res.status, 200, res.text);
  return (res.body as { token: string }).token;
}

const api = (token: string) => ({
  get: (path: string) => supertest(t.base).get(path).set('Authorization', `Bearer ${token}`),
  post: (path: string, body: object) => supertest(t.base).post(path).set('Authorization', `Bearer ${token}`).send(body),
});

const BOOK = { title: 'Kindred', author: 'Octavia E. Butler', isbn: '', description: 'A used copy.', condition: 'good', price: '14.00', stock: 5 };

/**
 * Polls `statuses` until every answer is `refused`, and returns how long that took after `since`.
 * Fails once the bound (plus slack for the requests) has passed.
 */
async function refusedAfter(since: number, refused: number, statuses: () => Promise<number[]>): Promise<number> {
  for (;;) {
    const got = await statuses();
    if (got.every((s) => s === refused)) return Date.now() - since;
    assert.ok(Date.now() - since < REFUSED_WITHIN_MS, `still answered ${got.join(', ')} ${Date.now() - since} ms after the change`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const count = async (db: Pool, sql: string, params: unknown[]) => ((await db.query(sql, params))[0] as { n: number }[])[0]!.n;

describe('API tokens in the split shop follow the account, not their claims', () => {
  let admin: Awaited<ReturnType<typeof logIn>>;
  let bookId = 0;

  before(async () => {
    const boss = await createUser(authDb, { role: 'admin', name: 'Ada Admin' });
    admin = await logIn(boss.email);
    const seller = await createUser(authDb, { name: 'Sam Seller' });
    const listed = await api(await apiToken(seller.email)).post('/book/api/add_book', BOOK);
    assert.equal(listed.status, 201, listed.text);
    bookId = (listed.body as { book: { id: number } }).book.id;
  });

  test('an admin disables an account: catalog and order refuse its token (401) within the bound, and nothing more is written', async () => {
    const user = await createUser(authDb, { name: 'Dee Disabled' });
    const token = await apiToken(user.email);
    const me = api(token);
    // In use right before the change: auth's "still valid" answer is in both services' caches.
    assert.equal((await me.get('/book/api/my_books')).status, 200);
    assert.equal((await me.get('/order/api/purchases')).status, 200);
    assert.equal((await me.post(`/order/api/buy/${bookId}`, { quantity: 1 })).status, 201);

    const changedAt = Date.now();
    await admin.submit('/auth/admin/users', `/auth/admin/users/${user.id}/disable`, {});
    const took = await refusedAfter(changedAt, 401, async () => [(await me.get('/book/api/my_books')).status, (await me.get('/order/api/purchases')).status]);
    assert.ok(took < REFUSED_WITHIN_MS);

    const [books, purchases] = [await count(catalogDb, 'SELECT COUNT(*) n FROM books WHERE seller_id = ?', [user.id]), await count(orderDb, 'SELECT COUNT(*) n FROM purchases WHERE buyer_id = ?', [user.id])];
    const listed = await me.post('/book/api/add_book', BOOK);
    assert.equal(listed.status, 401);
    assert.match(listed.headers['www-authenticate'] ?? '', /^Bearer/);
    assert.equal((await me.post(`/order/api/buy/${bookId}`, { quantity: 1 })).status, 401);
    assert.equal(await count(catalogDb, 'SELECT COUNT(*) n FROM books WHERE seller_id = ?', [user.id]), books);
    assert.equal(await count(orderDb, 'SELECT COUNT(*) n FROM purchases WHERE buyer_id = ?', [user.id]), purchases);
  });

  test('a password change: the old token is refused by catalog and order (401) within the bound; a new login works', async () => {
    const user = await createUser(authDb, { name: 'Pat Password' });
    const old = api(await apiToken(user.email));
    assert.equal((await old.get('/book/api/my_books')).status, 200);
    assert.equal((await old.get('/order/api/purchases')).status, 200);

    const NEW_PASSWORD = 'a brand new and long passphrase';
    const b = await logIn(user.email);
    const changedAt = Date.now();
    await b.submit('/auth/account', '/auth/account/password', { current_password: PASSWORD, password: NEW_PASSWORD, password_confirm: NEW_PASSWORD });
    await refusedAfter(changedAt, 401, async () => [(await old.get('/book/api/my_books')).status, (await old.get('/order/api/purchases')).status]);
    assert.equal((await old.post('/book/api/add_book', BOOK)).status, 401);

    const fresh = api(await apiToken(user.email, NEW_PASSWORD));
    assert.equal((await fresh.get('/book/api/my_books')).status, 200);
    assert.equal((await fresh.get('/order/api/purchases')).status, 200);
  });

  test("a demoted admin's token no longer reads another buyer's purchase (403) within the bound; it stays a valid user's token", async () => {
    const buyer = await createUser(authDb, { name: 'Bea Buyer' });
    const bought = await api(await apiToken(buyer.email)).post(`/order/api/buy/${bookId}`, { quantity: 1 });
    assert.equal(bought.status, 201, bought.text);
    const purchaseId = (bought.body as { purchase: { id: number } }).purchase.id;

    const other = await createUser(authDb, { role: 'admin', name: 'Otto Admin' });
    const theirs = api(await apiToken(other.email));
    assert.equal((await theirs.get(`/order/api/purchases/${purchaseId}`)).status, 200);

    const changedAt = Date.now();
    await admin.submit('/auth/admin/users', `/auth/admin/users/${other.id}/role`, { role: 'user' });
    const took = await refusedAfter(changedAt, 403, async () => [(await theirs.get(`/order/api/purchases/${purchaseId}`)).status]);
    assert.ok(took < REFUSED_WITHIN_MS);
    const refused = await theirs.get(`/order/api/purchases/${purchaseId}`);
    assert.doesNotMatch(refused.text, /Calle|recipient|phone/);
    // Demotion ends the privilege, not the login: the token still works as a regular user's.
    assert.equal((await theirs.get('/book/api/my_books')).status, 200);
    assert.equal((await theirs.get('/order/api/purchases')).status, 200);
  });
});

describe('service tokens between the services', () => {
  const sign = async (claims: { exp?: number; jti?: string | null } = {}) => {
    const now = Math.floor(Date.now() / 1000);
    const jwt = new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', typ: 'JWT' })
      .setIssuer('order')
      .setSubject('order')
      .setAudience('auth')
      .setIssuedAt(now)
      .setExpirationTime(claims.exp ?? now + 30);
    if (claims.jti !== null) jwt.setJti(claims.jti ?? randomUUID());
    return jwt.sign(await importPKCS8(t.serviceKeys.order, 'ES256'));
  };
  const ask = (token: string) =>
    supertest(`http://127.0.0.1:${t.ports.auth}`).post('/internal/accounts/users').set('Authorization', `Bearer ${token}`).send({ ids: [1] });

  test('a service token is good for one request: the same token again gets 401', async () => {
    const token = await sign();
    assert.equal((await ask(token)).status, 200);
    const replayed = await ask(token);
    assert.equal(replayed.status, 401);
    assert.equal(replayed.headers['www-authenticate'], 'Bearer realm="bookstore-internal"');
  });

  test('a service token whose expiry is far past its issue time, or without a jti, gets 401', async () => {
    const now = Math.floor(Date.now() / 1000);
    assert.equal((await ask(await sign({ exp: now + 365 * 24 * 3600 }))).status, 401);
    assert.equal((await ask(await sign({ exp: now + 120 }))).status, 401);
    assert.equal((await ask(await sign({ jti: null }))).status, 401);
    assert.equal((await ask(await sign())).status, 200, 'a well-formed token still works');
  });
});
