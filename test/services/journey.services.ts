// The whole shop through the Ingress-equivalent nginx (generated from k8s/base/ingress.yaml), in
// front of auth, catalog and order running as three processes on three databases, over HTTPS.
// Then catalog is stopped: order answers 503 pages and nothing is half-bought.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import supertest from 'supertest';
import { csrfFrom, PASSWORD, uniqueEmail } from '../helpers/users.js';
import { checkoutTokenFrom, GOOD_CARD } from '../helpers/orders.js';
import { jpeg } from '../helpers/books.js';
import { SERVER_URL, startTopology, type Topology } from './topology.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // nginx's certificate is self-signed, as in the local stack

type Request = ReturnType<ReturnType<typeof supertest>['get']>;
interface Agent {
  get(path: string): Request;
  post(path: string): Request;
}
let t: Topology;
let db: mysql.Connection;

before(async () => {
  t = await startTopology();
  db = await mysql.createConnection({ uri: SERVER_URL });
});
after(async () => {
  await db?.end();
  await t?.close();
});

/**
 * A browser-like client: keeps the cookies it is given (superagent's own jar drops this host's
 * Secure __Host- cookie) and sends them back, on every service behind the one host.
 */
function agent(): Agent {
  const jar = new Map<string, string>();
  const wrap = (req: Request): Request => {
    // The Cookie header is written when the request is sent, not when it is built (a form's token
    // is often fetched in between, and that fetch may start the session).
    const end = req.end.bind(req);
    req.end = ((cb?: Parameters<typeof end>[0]) => {
      if (jar.size) void req.set('Cookie', [...jar].map(([k, v]) => `${k}=${v}`).join('; '));
      return end(cb);
    }) as typeof req.end;
    req.on('response', (res: { headers: Record<string, string | string[] | undefined> }) => {
      for (const c of ([] as string[]).concat(res.headers['set-cookie'] ?? [])) {
        const pair = c.split(';')[0] ?? '';
        const i = pair.indexOf('=');
        const [name, value] = [pair.slice(0, i), pair.slice(i + 1)];
        if (!value || /expires=Thu, 01 Jan 1970/i.test(c)) jar.delete(name);
        else jar.set(name, value);
      }
    });
    return req;
  };
  return { get: (path) => wrap(supertest(t.base).get(path)), post: (path) => wrap(supertest(t.base).post(path)) };
}
const rows = async (service: 'auth' | 'catalog' | 'order', sql: string, params: unknown[] = []) =>
  (await db.query<mysql.RowDataPacket[]>(sql.replaceAll('{db}', `\`${t.databases[service]}\``), params))[0];

async function csrf(a: Agent, path: string): Promise<string> {
  return csrfFrom((await a.get(path)).text);
}

async function register(name: string): Promise<{ agent: Agent; email: string }> {
  const a = agent();
  const email = uniqueEmail(name.toLowerCase());
  const res = await a.post('/auth/register').type('form').send({ _csrf: await csrf(a, '/auth/register'), name, email, password: PASSWORD, password_confirm: PASSWORD });
  assert.equal(res.status, 302, res.text.slice(0, 300));
  assert.equal(res.headers.location, '/book/catalog');
  return { agent: a, email };
}

async function publish(seller: Agent, title: string, price: string): Promise<number> {
  const res = await seller
    .post('/book/add_book')
    .field('_csrf', await csrf(seller, '/book/add_book'))
    .field({ title, author: 'Octavia E. Butler', isbn: '', description: 'A used copy.', condition: 'good', price, stock: '3' })
    .attach('cover', await jpeg(), { filename: 'cover.jpg', contentType: 'image/jpeg' });
  assert.equal(res.status, 302, res.text.slice(0, 300));
  const match = /^\/book\/(\d+)$/.exec(res.headers.location ?? '');
  assert.ok(match, `redirected to ${res.headers.location}`);
  return Number(match[1]);
}

describe('the split shop behind the Ingress', () => {
  let buyer: Agent;
  let purchaseId = 0;
  let bookA = 0;

  test('/ is the home page, every link carries its service prefix, and the monolith paths are gone', async () => {
    const home = await agent().get('/');
    assert.equal(home.status, 200);
    assert.match(home.text, /href="\/book\/catalog"/);
    assert.match(home.text, /href="\/auth\/register"/);
    assert.match(home.text, /href="\/book\/public\/css\/app\.css"/);
    assert.doesNotMatch(home.text, /(href|action|src)="\/(login|register|cart|public)\b/);
    assert.equal((await agent().get('/book/public/css/app.css')).status, 200);
    assert.equal((await agent().get('/login')).status, 404, 'only the Ingress paths exist');
    // A private order page sends an anonymous visitor to auth's login, and back to order afterwards.
    const cart = await agent().get('/order/cart');
    assert.equal(cart.status, 302);
    assert.equal(cart.headers.location, '/auth/login?next=%2Fcart');
    // No open redirect through ?next=.
    const { agent: a } = await register('Evil');
    const evil = await a.get('/auth/login?next=https://evil.example');
    assert.equal(evil.headers.location, '/book/catalog');
  });

  test('register, log in once, publish, search, cart from two sellers, pay and follow the delivery', async () => {
    const sellerA = await register('Ada');
    const sellerB = await register('Ben');
    bookA = await publish(sellerA.agent, `Kindred ${randomUUID().slice(0, 6)}`, '12.50');
    const bookB = await publish(sellerB.agent, 'Parable of the Sower', '9.00');
    const page = await agent().get(`/book/${bookA}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Log in to buy/);
    assert.match(page.text, new RegExp(`href="/auth/login\\?next=%2Fbook%2F${bookA}"`));
    const cover = /src="(\/book\/uploads\/covers\/[^"]+\.webp)"/.exec(page.text);
    assert.ok(cover?.[1], 'the cover comes from catalog under /book');
    assert.equal((await agent().get(cover[1])).headers['content-type'], 'image/webp');

    const search = await agent().get('/book/catalog?q=Kindred');
    assert.match(search.text, new RegExp(`href="/book/${bookA}"`));

    // One login at auth, known to catalog and order.
    const b = await register('Cleo');
    buyer = b.agent;
    const bookPage = await buyer.get(`/book/${bookA}`);
    assert.match(bookPage.text, new RegExp(`action="/order/buy/${bookA}"`), 'the buy form posts to the order service');
    const token = csrfFrom(bookPage.text);
    for (const id of [bookA, bookB]) {
      const added = await buyer.post('/order/cart/add').type('form').send({ _csrf: token, book_id: String(id), quantity: '1' });
      assert.equal(added.status, 302);
      assert.equal(added.headers.location, '/order/cart');
    }
    const cart = await buyer.get('/order/cart');
    assert.equal(cart.status, 200);
    assert.match(cart.text, /Kindred/);
    assert.match(cart.text, /Parable of the Sower/);
    const checkout = await buyer.post('/order/cart/checkout').type('form').send({ _csrf: csrfFrom(cart.text), checkout_token: checkoutTokenFrom(cart.text) });
    assert.equal(checkout.status, 302, checkout.text.slice(0, 300));
    const m = /^\/order\/delivery\/(\d+)$/.exec(checkout.headers.location ?? '');
    assert.ok(m, `checkout went to ${checkout.headers.location}`);
    purchaseId = Number(m[1]);
    const delivery = await buyer.get(`/order/delivery/${purchaseId}`);
    const provider = /name="provider_id" value="(\d+)"/.exec(delivery.text)?.[1];
    assert.ok(provider);
    const chosen = await buyer.post(`/order/delivery/${purchaseId}`).type('form').send({ _csrf: csrfFrom(delivery.text), provider_id: provider });
    assert.equal(chosen.headers.location, `/order/payment/${purchaseId}`);
    const paid = await buyer.post(`/order/payment/${purchaseId}`).type('form').send({ _csrf: csrfFrom(delivery.text), ...GOOD_CARD });
    assert.equal(paid.status, 302, paid.text.slice(0, 300));
    assert.equal(paid.headers.location, `/order/purchases/${purchaseId}`);
    const stock = await rows('catalog', 'SELECT stock FROM {db}.books WHERE id = ?', [bookA]);
    assert.equal(stock[0]?.stock, 2, 'catalog took the stock');

    // Seller A ships; the buyer follows the parcel.
    const sales = await sellerA.agent.get('/order/sales');
    assert.match(sales.text, /Kindred/);
    const shipped = await sellerA.agent.post(`/order/sales/${purchaseId}/ship`).type('form').send({ _csrf: csrfFrom(sales.text) });
    assert.equal(shipped.status, 302);
    const purchase = await buyer.get(`/order/purchases/${purchaseId}`);
    assert.equal(purchase.status, 200);
    const tracking = /href="\/order\/track\/([A-Z0-9-]+)"/.exec(purchase.text)?.[1];
    assert.ok(tracking, 'the purchase links its tracking page under /order');
    const track = await agent().get(`/order/track/${tracking}`);
    assert.equal(track.status, 200);
    assert.match(track.text, /[Ss]hipped/);
  });

  test('the API: auth signs an ES256 token, catalog and order verify it locally', async () => {
    const { email } = await register('Dana');
    const login = await supertest(t.base).post('/auth/api/login').send({ email, password: PASSWORD });
    assert.equal(login.status, 200);
    const token = (login.body as { token: string }).token;
    assert.equal((JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as { alg: string }).alg, 'ES256');
    const jwks = await supertest(t.base).get('/auth/.well-known/jwks.json');
    assert.equal((jwks.body as { keys: { kty: string; d?: string }[] }).keys[0]?.kty, 'EC');
    assert.equal((jwks.body as { keys: { d?: string }[] }).keys[0]?.d, undefined, 'no private part');
    assert.equal((await supertest(t.base).get(`/book/api/book/${bookA}`).set('Authorization', `Bearer ${token}`)).status, 200);
    assert.equal((await supertest(t.base).get('/book/api/my_books').set('Authorization', `Bearer ${token}`)).status, 200);
    assert.equal((await supertest(t.base).get('/order/api/purchases').set('Authorization', `Bearer ${token}`)).status, 200);
    const [h, p] = token.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${p}.`;
    assert.equal((await supertest(t.base).get('/book/api/my_books').set('Authorization', `Bearer ${none}`)).status, 401);
    assert.equal((await supertest(t.base).get('/order/api/purchases').set('Authorization', `Bearer ${h}.${p}.AAAA`)).status, 401);
    // /internal is not reachable through the Ingress, even with a user's token.
    assert.equal((await supertest(t.base).post('/book/internal/catalog/books-for-sale').set('Authorization', `Bearer ${token}`).send({ ids: [1] })).status, 404);
    assert.equal((await supertest(`http://127.0.0.1:${t.ports.catalog}`).post('/internal/catalog/books-for-sale').set('Authorization', `Bearer ${token}`).send({ ids: [1] })).status, 401);
  });

  test('logging out at auth ends the session for catalog and order at once', async () => {
    const { agent: a } = await register('Eve');
    assert.match((await a.get('/order/cart')).text, /Cart/);
    const page = await a.get('/book/my_books');
    assert.equal(page.status, 200);
    const out = await a.post('/auth/logout').type('form').send({ _csrf: csrfFrom(page.text) });
    assert.equal(out.headers.location, '/auth/login?logged_out=1');
    assert.equal((await a.get('/order/cart')).status, 302);
    assert.equal((await a.get('/book/my_books')).status, 302);
  });

  test('with catalog stopped, order answers 503 pages (never 500) and nothing is half-bought', async () => {
    const page = await buyer.get(`/book/${bookA}`);
    const token = csrfFrom(page.text);
    const before = await rows('order', 'SELECT COUNT(*) AS n FROM {db}.purchases');
    const stockBefore = (await rows('catalog', 'SELECT stock FROM {db}.books WHERE id = ?', [bookA]))[0]?.stock as number;
    await t.stop('catalog');
    try {
      const buy = await buyer.post(`/order/buy/${bookA}`).type('form').send({ _csrf: token, quantity: '1', checkout_token: randomUUID() });
      assert.equal(buy.status, 503);
      assert.match(buy.text, /temporarily unavailable/i);
      assert.ok(buy.headers['retry-after']);
      const cart = await buyer.get('/order/cart');
      assert.ok([200, 503].includes(cart.status), `cart answered ${cart.status}`);
      const after = await rows('order', 'SELECT COUNT(*) AS n FROM {db}.purchases');
      assert.equal(after[0]?.n, before[0]?.n, 'no purchase was recorded');
      assert.equal((await buyer.get(`/order/purchases/${purchaseId}`)).status, 200, 'order history needs no catalog');
    } finally {
      await t.start('catalog');
    }
    const stockAfter = (await rows('catalog', 'SELECT stock FROM {db}.books WHERE id = ?', [bookA]))[0]?.stock as number;
    assert.equal(stockAfter, stockBefore, 'no stock was taken');
    const again = await buyer.post(`/order/buy/${bookA}`).type('form').send({ _csrf: token, quantity: '1', checkout_token: randomUUID() });
    assert.equal(again.status, 302, 'buying works again once catalog is back');
  });
});
