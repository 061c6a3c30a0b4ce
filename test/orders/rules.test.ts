// Every state-machine violation and every route tried by the wrong user: 403/404/409 and nothing changes.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { advanceDeliveries } from '../../src/orders/deliveries.service.js';
import { sweepExpired } from '../../src/orders/purchases.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { buyAndPay, buyNow, chooseDelivery, count, createBook, csrfOf, pay, providerIds, purchaseIdFrom, purchaseRow, stockOf } from '../helpers/orders.js';
import { createUser, loggedInAgent } from '../helpers/users.js';

let t: TestApp;
let providerId: number;
before(async () => {
  t = await startTestApp();
  providerId = (await providerIds(t.pool))[0]!.id;
});
after(() => t.close());

async function snapshot(purchaseId: number, bookId: number) {
  return {
    purchase: await purchaseRow(t.pool, purchaseId),
    stock: await stockOf(t.pool, bookId),
    payments: await count(t.pool, 'payments'),
    events: await count(t.pool, 'delivery_events'),
  };
}

describe('buying rules', () => {
  test('a seller cannot buy their own book (403), and bad input or ids are refused', async () => {
    const { agent, user } = await loggedInAgent(t);
    const own = await createBook(t.pool, user.id, { stock: 2 });
    const res = await buyNow(agent, own);
    assert.equal(res.status, 403);
    assert.match(res.text, /your own book/);
    assert.equal(await stockOf(t.pool, own), 2);
    const csrf = await csrfOf(agent);
    const cartOwn = await agent.post('/cart/add').type('form').send({ _csrf: csrf, book_id: String(own), quantity: '1' });
    assert.equal(cartOwn.status, 403);

    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { stock: 2 });
    assert.equal((await buyNow(agent, book, { quantity: '0' }, csrf)).status, 422);
    const text = await buyNow(agent, book, { quantity: 'two' }, csrf);
    assert.equal(text.status, 422);
    assert.match(text.text, /whole number/);
    assert.equal((await buyNow(agent, book, { checkout_token: '' }, csrf)).status, 422);
    const tooMany = await buyNow(agent, book, { quantity: '3' }, csrf);
    assert.equal(tooMany.status, 409);
    assert.match(tooMany.text, /only 2 copies are left/);
    assert.equal(await stockOf(t.pool, book), 2);

    const unlisted = await createBook(t.pool, seller.id, { listed: false });
    assert.equal((await buyNow(agent, unlisted, {}, csrf)).status, 404);
    assert.equal((await buyNow(agent, 999999, {}, csrf)).status, 404);
    assert.equal((await agent.post('/buy/abc').type('form').send({ _csrf: csrf, quantity: '1', checkout_token: randomUUID() })).status, 404);
    assert.equal(await count(t.pool, 'purchases', 'buyer_id = ?', [user.id]), 0);
  });

  test('anonymous visitors are sent to log in; a POST without CSRF token is 403', async () => {
    const anon = t.agent();
    for (const path of ['/cart', '/purchases', '/sales', '/purchases/1', '/delivery/1', '/payment/1', '/buy/1']) {
      const res = await anon.get(path);
      assert.equal(res.status, 302, path);
      assert.match(res.headers.location ?? '', /^\/login/);
    }
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id);
    const { agent } = await loggedInAgent(t);
    const noToken = await agent.post(`/buy/${book}`).type('form').send({ quantity: '1', checkout_token: randomUUID() });
    assert.equal(noToken.status, 403);
    assert.equal(await stockOf(t.pool, book), 1);
  });
});

describe('the purchase state machine', () => {
  test('delivery: only the buyer (403), only an existing purchase (404), only while pending (409), only a listed provider (422)', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { stock: 3 });
    const buyer = await loggedInAgent(t);
    const other = await loggedInAgent(t);
    const id = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);
    const before = await snapshot(id, book);

    assert.equal((await other.agent.get(`/delivery/${id}`)).status, 403);
    assert.equal((await chooseDelivery(other.agent, id, providerId)).status, 403);
    assert.equal((await chooseDelivery(buyer.agent, 999999, providerId)).status, 404);
    assert.equal((await buyer.agent.get('/delivery/0')).status, 404);
    const badProvider = await chooseDelivery(buyer.agent, id, 999999);
    assert.equal(badProvider.status, 422);
    assert.match(badProvider.text, /Choose one of the delivery options/);
    await t.pool.execute("INSERT INTO delivery_providers (name, coverage, cost_cents, retired_at) VALUES ('Old Post', 'Nowhere', 1, NOW())");
    const [[retired]] = (await t.pool.query("SELECT id FROM delivery_providers WHERE name = 'Old Post'")) as unknown as [[{ id: number }]];
    assert.equal((await chooseDelivery(buyer.agent, id, retired.id)).status, 422);
    assert.deepEqual(await snapshot(id, book), before);

    // Paid: the delivery can no longer change.
    await chooseDelivery(buyer.agent, id, providerId);
    assert.equal((await pay(buyer.agent, id)).status, 302);
    const paid = await snapshot(id, book);
    const [second] = await providerIds(t.pool).then((p) => p.slice(1));
    const late = await chooseDelivery(buyer.agent, id, second!.id);
    assert.equal(late.status, 409);
    assert.match(late.text, /already paid/);
    assert.equal((await buyer.agent.get(`/delivery/${id}`)).status, 409);
    assert.deepEqual(await snapshot(id, book), paid);

    // Cancelled: neither.
    const id2 = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);
    await buyer.agent.post(`/purchases/${id2}/cancel`).type('form').send({ _csrf: await csrfOf(buyer.agent) });
    const cancelled = await chooseDelivery(buyer.agent, id2, providerId);
    assert.equal(cancelled.status, 409);
    assert.match(cancelled.text, /cancelled/);
  });

  test('payment: twice → 409, another user → 403, before delivery → 409, unknown → 404; a sent amount is ignored', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { stock: 3, priceCents: 2000 });
    const buyer = await loggedInAgent(t);
    const other = await loggedInAgent(t);
    const id = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);

    const early = await pay(buyer.agent, id);
    assert.equal(early.status, 409);
    assert.match(early.text, /Choose a delivery/);
    const getEarly = await buyer.agent.get(`/payment/${id}`);
    assert.equal(getEarly.status, 302);
    assert.equal(getEarly.headers.location, `/delivery/${id}`);

    await chooseDelivery(buyer.agent, id, providerId);
    assert.equal((await other.agent.get(`/payment/${id}`)).status, 403);
    const foreign = await pay(other.agent, id);
    assert.equal(foreign.status, 403);
    assert.equal((await purchaseRow(t.pool, id))?.status, 'pending_payment');
    assert.equal((await pay(buyer.agent, 999999)).status, 404);

    const ok = await pay(buyer.agent, id, { method: 'paypal', paypal_email: 'b@example.com', amount: '1', amount_cents: '1', total_cents: '1' });
    assert.equal(ok.status, 302);
    const row = await purchaseRow(t.pool, id);
    const [[payment]] = (await t.pool.query('SELECT amount_cents FROM payments WHERE purchase_id = ?', [id])) as unknown as [[{ amount_cents: number }]];
    assert.equal(payment.amount_cents, row?.total_cents);
    assert.ok(payment.amount_cents > 2000);

    const twice = await pay(buyer.agent, id);
    assert.equal(twice.status, 409);
    assert.match(twice.text, /already paid/);
    const both = await Promise.all([pay(buyer.agent, id), pay(buyer.agent, id)]);
    assert.deepEqual(both.map((r) => r.status), [409, 409]);
    assert.equal(await count(t.pool, 'payments', 'purchase_id = ?', [id]), 1);
  });

  test('two payments of one purchase at once: one wins, one payment row', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id);
    const buyer = await loggedInAgent(t);
    const id = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);
    await chooseDelivery(buyer.agent, id, providerId);
    const csrf = await csrfOf(buyer.agent);
    const send = () => buyer.agent.post(`/payment/${id}`).type('form').send({ _csrf: csrf, method: 'paypal', paypal_email: 'x@example.com' });
    const results = await Promise.all([send(), send(), send(), send()]);
    assert.equal(results.filter((r) => r.status === 302).length, 1);
    assert.equal(results.filter((r) => r.status === 409).length, 3);
    assert.equal(await count(t.pool, 'payments', 'purchase_id = ?', [id]), 1);
  });

  test('cancel: only the buyer, only while pending', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { stock: 2 });
    const buyer = await loggedInAgent(t);
    const other = await loggedInAgent(t);
    const id = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);
    assert.equal((await other.agent.post(`/purchases/${id}/cancel`).type('form').send({ _csrf: await csrfOf(other.agent) })).status, 403);
    assert.equal((await purchaseRow(t.pool, id))?.status, 'pending_payment');
    const paidId = await buyAndPay(buyer.agent, book, providerId);
    const cancelPaid = await buyer.agent.post(`/purchases/${paidId}/cancel`).type('form').send({ _csrf: await csrfOf(buyer.agent) });
    assert.equal(cancelPaid.status, 409);
    assert.equal((await purchaseRow(t.pool, paidId))?.status, 'paid');
    assert.equal(await stockOf(t.pool, book), 0);
    const csrf = await csrfOf(buyer.agent);
    assert.equal((await buyer.agent.post(`/purchases/${id}/cancel`).type('form').send({ _csrf: csrf })).status, 302);
    assert.equal((await buyer.agent.post(`/purchases/${id}/cancel`).type('form').send({ _csrf: csrf })).status, 409);
    assert.equal(await stockOf(t.pool, book), 1, 'restocked once');
  });

  test('shipping: unpaid → 409, not the seller → 403, twice → 409; no automatic step before shipping', async () => {
    const seller = await loggedInAgent(t);
    const stranger = await loggedInAgent(t);
    const buyer = await loggedInAgent(t);
    const book = await createBook(t.pool, seller.user.id, { stock: 2 });
    const ship = (agent: typeof seller.agent, id: number) => csrfOf(agent).then((csrf) => agent.post(`/sales/${id}/ship`).type('form').send({ _csrf: csrf }));

    const unpaid = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);
    const r1 = await ship(seller.agent, unpaid);
    assert.equal(r1.status, 409);
    assert.match(r1.text, /not been paid/);

    const id = await buyAndPay(buyer.agent, book, providerId);
    const eventsBefore = await count(t.pool, 'delivery_events');
    assert.equal(await advanceDeliveries(t.pool, 1, new Date(Date.now() + 365 * 86_400_000)), 0, 'preparing never moves by itself');
    assert.equal((await ship(stranger.agent, id)).status, 403);
    assert.equal((await ship(buyer.agent, id)).status, 403, 'the buyer cannot mark it shipped');
    assert.equal((await ship(seller.agent, 999999)).status, 404);
    assert.equal(await count(t.pool, 'delivery_events'), eventsBefore);
    assert.equal((await ship(seller.agent, id)).status, 302);
    assert.equal((await ship(seller.agent, id)).status, 409);
    assert.equal(await count(t.pool, 'delivery_events'), eventsBefore + 1);

    // Sales pages show only one's own sales.
    assert.doesNotMatch((await stranger.agent.get('/sales')).text, new RegExp(`#${id}<`));
    assert.match((await seller.agent.get('/sales')).text, new RegExp(`#${id}<`));
  });

  test('a purchase page is for its buyer (and admins) only; /purchases lists only one\'s own', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { title: 'Private Reading' });
    const buyer = await loggedInAgent(t);
    const other = await loggedInAgent(t);
    const admin = await loggedInAgent(t, { role: 'admin' });
    const id = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);
    assert.equal((await buyer.agent.get(`/purchases/${id}`)).status, 200);
    assert.equal((await other.agent.get(`/purchases/${id}`)).status, 403);
    assert.equal((await other.agent.get('/purchases/999999')).status, 404);
    assert.equal((await other.agent.get('/purchases/x1')).status, 404);
    assert.doesNotMatch((await other.agent.get('/purchases')).text, /Private Reading/);
    assert.match((await other.agent.get('/purchases')).text, /No purchases yet/);
    assert.equal((await admin.agent.get(`/purchases/${id}`)).status, 200);
  });
});

describe('values the schema accepts but a column could not hold', () => {
  test('a purchase over the $10,000,000 cap is a 422 on the page and the API, and nothing is written', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { priceCents: 100_000_000, stock: 50 });
    const buyer = await loggedInAgent(t);
    const before = await count(t.pool, 'purchases');
    const page = await buyNow(buyer.agent, book, { quantity: '43' }); // $43,000,000 would overflow INT UNSIGNED
    assert.equal(page.status, 422);
    assert.match(page.text, /One purchase can cost at most \$10,000,000\.00/);
    const login = await t.agent().post('/api/login').send({ email: buyer.user.email, password: buyer.user.password });
    const api = await t.agent().post(`/api/buy/${book}`).set('Authorization', `Bearer ${(login.body as { token: string }).token}`).send({ quantity: 11 });
    assert.equal(api.status, 422);
    assert.equal(await count(t.pool, 'purchases'), before);
    assert.equal(await stockOf(t.pool, book), 50);
    // At the cap itself it goes through.
    assert.equal((await buyNow(buyer.agent, book, { quantity: '10' })).status, 302);
    assert.equal(await stockOf(t.pool, book), 40);
  });

  test('a seller restocking to the maximum meanwhile does not break a cancel or stall the expiry sweep', async () => {
    const { agent: seller, user: sellerUser } = await loggedInAgent(t);
    const book = await createBook(t.pool, sellerUser.id, { stock: 10_000 });
    const other = await createBook(t.pool, sellerUser.id, { stock: 1 });
    const buyer = await loggedInAgent(t);
    const first = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);
    const second = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);
    const third = purchaseIdFrom((await buyNow(buyer.agent, other)).headers.location);
    assert.equal(await stockOf(t.pool, book), 9_998);
    // The seller sets the stock back to 10,000 through the edit form.
    const form = await seller.get(`/book/edit_book/${book}`);
    const field = (name: string) => new RegExp(`name="${name}"[^>]*value="([^"]*)"`).exec(form.text)?.[1] ?? '';
    const edited = await seller
      .post(`/book/edit_book/${book}`)
      .field('_csrf', /name="_csrf" value="([^"]+)"/.exec(form.text)![1]!)
      .field('title', field('title'))
      .field('author', field('author'))
      .field('condition', 'good')
      .field('price', '12.50')
      .field('stock', '10000')
      .field('description', 'A well-kept copy.');
    assert.equal(edited.status, 302, edited.text.slice(0, 300));
    assert.equal(await stockOf(t.pool, book), 10_000);

    const cancel = await buyer.agent.post(`/purchases/${first}/cancel`).type('form').send({ _csrf: await csrfOf(buyer.agent) });
    assert.equal(cancel.status, 302);
    assert.equal((await purchaseRow(t.pool, first))?.status, 'cancelled');
    assert.equal(await stockOf(t.pool, book), 10_000, 'capped at the most a book may have');

    // The sweep cancels every expired purchase, this one and the ones after it.
    await sweepExpired(t.pool, t.ports.catalog, new Date(Date.now() + 24 * 3_600_000));
    assert.equal((await purchaseRow(t.pool, second))?.status, 'cancelled');
    assert.equal((await purchaseRow(t.pool, third))?.status, 'cancelled');
    assert.equal(await stockOf(t.pool, other), 1);
    assert.equal(await stockOf(t.pool, book), 10_000);
  });

  test('Idempotency-Keys that differ only in case are two keys', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { stock: 5 });
    const buyer = await createUser(t.pool);
    const login = await t.agent().post('/api/login').send({ email: buyer.email, password: buyer.password });
    const auth = { Authorization: `Bearer ${(login.body as { token: string }).token}` };
    const lower = await t.agent().post(`/api/buy/${book}`).set(auth).set('Idempotency-Key', 'case-key-abcdefgh').send({ quantity: 1 });
    const upper = await t.agent().post(`/api/buy/${book}`).set(auth).set('Idempotency-Key', 'CASE-KEY-ABCDEFGH').send({ quantity: 2 });
    assert.equal(lower.status, 201);
    assert.equal(upper.status, 201, upper.text);
    assert.equal(upper.headers['idempotent-replayed'], undefined);
    assert.equal(await count(t.pool, 'purchases', 'buyer_id = ?', [buyer.id]), 2);
    assert.equal(await stockOf(t.pool, book), 2);
  });
});
