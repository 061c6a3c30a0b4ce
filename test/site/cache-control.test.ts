// Nothing a logged-in user sees may be kept by the browser or a shared cache: every such answer,
// and every page with a form token, is `Cache-Control: no-store`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { buyAndPay, createBook, providerIds } from '../helpers/orders.js';
import { loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

describe('Cache-Control', () => {
  test('every page a logged-in user or admin opens is no-store', async () => {
    const { agent: seller, user: sellerUser } = await loggedInAgent(t);
    const { agent: admin } = await loggedInAgent(t, { role: 'admin' });
    const book = await createBook(t.pool, sellerUser.id, { stock: 5 });
    const [provider] = await providerIds(t.pool);
    const { agent: buyer } = await loggedInAgent(t);
    const purchaseId = await buyAndPay(buyer, book, provider!.id);

    const buyerPages = ['/', '/book/catalog', `/book/${book}`, '/account', '/purchases', `/purchases/${purchaseId}`, '/cart', '/sales', '/book/my_books', '/book/add_book', `/buy/${book}`, '/track', '/no-such-page'];
    const sellerPages = ['/sales', '/book/my_books', `/book/edit_book/${book}`];
    const adminPages = ['/admin/users', '/admin/delivery_providers', `/admin/delivery_providers/${provider!.id}`, '/admin/purchases', `/purchases/${purchaseId}`];
    for (const [agent, paths] of [[buyer, buyerPages], [seller, sellerPages], [admin, adminPages]] as const) {
      for (const path of paths) {
        const res = await agent.get(path);
        assert.ok(res.status < 500, `${path}: ${res.status}`);
        assert.equal(res.headers['cache-control'], 'private, no-store', `${path} (${res.status})`);
      }
    }
    // A redirect after a form post, for a logged-in user, is no-store too.
    const another = await buyer.get('/purchases');
    assert.equal(another.headers['cache-control'], 'private, no-store');
  });

  test('anonymous public pages vary on both inputs of their language: Accept-Language and Cookie (the lang cookie)', async () => {
    const { user: seller } = await loggedInAgent(t);
    const book = await createBook(t.pool, seller.id, { stock: 1 });
    for (const path of ['/', '/book/catalog', `/book/${book}`]) {
      for (const cookie of [undefined, 'lang=en', 'lang=es']) {
        const req = t.agent().get(path);
        const res = await (cookie ? req.set('Cookie', cookie) : req);
        assert.equal(res.status, 200, path);
        assert.equal(res.headers['cache-control'], 'public, max-age=0, s-maxage=1', `${path} ${cookie}`);
        assert.equal(res.headers.vary, 'Accept-Language, Cookie', `${path} ${cookie}: a shared cache must keep one copy per cookie too`);
      }
    }
  });

  test('anonymous pages with a form token are no-store; other anonymous pages are not', async () => {
    for (const path of ['/login', '/register']) {
      const res = await t.agent().get(path);
      assert.equal(res.status, 200);
      assert.equal(res.headers['cache-control'], 'private, no-store', path);
    }
    const catalog = await t.agent().get('/book/catalog');
    assert.equal(catalog.status, 200);
    assert.equal(catalog.headers['cache-control'], 'public, max-age=0, s-maxage=1');
    // The same visitor once they hold a session (they opened the login form) is private again.
    const visitor = t.agent();
    await visitor.get('/login');
    assert.equal((await visitor.get('/book/catalog')).headers['cache-control'], 'private, no-store');
  });
});
