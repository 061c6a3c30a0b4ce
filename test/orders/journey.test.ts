import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { advanceDeliveries } from '../../src/orders/deliveries.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { buyNow, checkoutTokenFrom, chooseDelivery, count, createBook, csrfOf, GOOD_CARD, pay, providerIds, purchaseIdFrom, purchaseRow, stockOf } from '../helpers/orders.js';
import { createUser, loggedInAgent, login } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ DELIVERY_SPEEDUP: '3600' });
});
after(() => t.close());

describe('the whole journey', () => {
  test('buy now → delivery → payment → shipped → in transit → delivered, seen by buyer, seller and tracking', async () => {
    const seller = await loggedInAgent(t, { name: 'Sam Seller' });
    const buyer = await loggedInAgent(t, { name: 'Bea Buyer' });
    const bookId = await createBook(t.pool, seller.user.id, { title: 'Kindred', priceCents: 1250, stock: 3 });
    const [provider] = await providerIds(t.pool);
    assert.ok(provider);

    const page = await buyer.agent.get(`/buy/${bookId}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /\$12\.50/);
    const bought = await buyer.agent
      .post(`/buy/${bookId}`)
      .type('form')
      .send({ _csrf: await csrfOf(buyer.agent), checkout_token: checkoutTokenFrom(page.text), quantity: '2', price: '1', price_cents: '1', amount: '1' });
    assert.equal(bought.status, 302);
    assert.match(bought.headers.location ?? '', /^\/delivery\/\d+$/);
    const purchaseId = purchaseIdFrom(bought.headers.location);
    assert.equal(await stockOf(t.pool, bookId), 1);
    let row = await purchaseRow(t.pool, purchaseId);
    assert.equal(row?.status, 'pending_payment');
    assert.equal(row?.items_cents, 2500, 'the price comes from the database, not the form');

    const deliveryPage = await buyer.agent.get(`/delivery/${purchaseId}`);
    assert.equal(deliveryPage.status, 200);
    assert.match(deliveryPage.text, /Kindred/);
    assert.match(deliveryPage.text, new RegExp(provider.name));

    const chosen = await chooseDelivery(buyer.agent, purchaseId, provider.id, { cost_cents: '0', total_cents: '1' });
    assert.equal(chosen.status, 302);
    assert.equal(chosen.headers.location, `/payment/${purchaseId}`);
    row = await purchaseRow(t.pool, purchaseId);
    assert.equal(row?.shipping_cents, provider.costCents);
    assert.equal(row?.total_cents, 2500 + provider.costCents);

    const paymentPage = await buyer.agent.get(`/payment/${purchaseId}`);
    assert.equal(paymentPage.status, 200);
    const paid = await pay(buyer.agent, purchaseId, { ...GOOD_CARD, amount: '1', amount_cents: '1' });
    assert.equal(paid.status, 302);
    assert.equal(paid.headers.location, `/purchases/${purchaseId}`);
    const [payments] = await t.pool.execute<RowDataPacket[]>('SELECT amount_cents, method, card_brand, card_last4 FROM payments WHERE purchase_id = ?', [purchaseId]);
    assert.deepEqual({ ...payments[0] }, { amount_cents: 2500 + provider.costCents, method: 'credit_card', card_brand: 'Visa', card_last4: '4242' });
    const [raw] = await t.pool.query<RowDataPacket[]>('SELECT * FROM payments');
    assert.doesNotMatch(JSON.stringify(raw), /4242424242424242|"123"/, 'the full card number and CVV are never stored');

    const detail = await buyer.agent.get(`/purchases/${purchaseId}`);
    assert.equal(detail.status, 200);
    assert.match(detail.text, /Visa ending in 4242/);
    assert.match(detail.text, /class="timeline"/);
    const tracking = /\/track\/(BS[A-Z0-9]{10})/.exec(detail.text)?.[1];
    assert.ok(tracking, 'the purchase page links its tracking number');

    // The seller sees the sale and ships it.
    const sales = await seller.agent.get('/sales');
    assert.equal(sales.status, 200);
    assert.match(sales.text, /Kindred/);
    assert.match(sales.text, /\$25\.00/);
    assert.match(sales.text, /<svg/);
    const shipped = await seller.agent.post(`/sales/${purchaseId}/ship`).type('form').send({ _csrf: await csrfOf(seller.agent) });
    assert.equal(shipped.status, 302);

    // The simulated carrier (DELIVERY_SPEEDUP=3600: an hour takes a second) moves it along.
    const later = (ms: number) => new Date(Date.now() + ms);
    assert.equal(await advanceDeliveries(t.pool, 3600, later(1000)), 0, 'not due yet');
    assert.equal(await advanceDeliveries(t.pool, 3600, later(60_000)), 1);
    assert.equal(await advanceDeliveries(t.pool, 3600, later(60_000)), 0, 'in transit is not due at once');
    assert.equal(await advanceDeliveries(t.pool, 3600, later(600_000)), 1);
    const [events] = await t.pool.execute<RowDataPacket[]>(
      'SELECT e.status FROM delivery_events e JOIN deliveries d ON d.id = e.delivery_id WHERE d.purchase_id = ? ORDER BY e.id',
      [purchaseId],
    );
    assert.deepEqual(events.map((e) => String(e.status)), ['preparing', 'shipped', 'in_transit', 'delivered']);

    const purchases = await buyer.agent.get('/purchases');
    assert.match(purchases.text, /Kindred/);
    assert.match(purchases.text, /Delivered/);

    // Public tracking: no login, no names or emails.
    const track = await t.agent().get(`/track/${tracking}`);
    assert.equal(track.status, 200);
    assert.match(track.text, /Delivered/);
    assert.doesNotMatch(track.text, /Bea Buyer|Sam Seller|@example\.com|Kindred/);
    // The notes are stored in English and shown in the reader's language, the carrier's one too.
    const [notes] = await t.pool.execute<RowDataPacket[]>('SELECT e.note FROM delivery_events e JOIN deliveries d ON d.id = e.delivery_id WHERE d.purchase_id = ? AND e.status = ?', [purchaseId, 'shipped']);
    assert.equal(notes[0]?.note, `Handed to ${provider.name}.`);
    assert.ok(track.text.includes(`Handed to ${provider.name}.`));
    const spanish = await t.agent().get(`/track/${tracking}`).set('Accept-Language', 'es-CO');
    assert.ok(spanish.text.includes(`Recibido por ${provider.name}.`), 'the carrier note in Spanish');
    assert.ok(spanish.text.includes('Entregado.'));
    assert.ok((await buyer.agent.get(`/purchases/${purchaseId}`).set('Accept-Language', 'es-CO')).text.includes(`Recibido por ${provider.name}.`));
    assert.equal((await t.agent().get('/track/BSNOTAREAL00')).status, 404);
  });

  test('the cart: several books from several sellers, kept across logout, one purchase at checkout', async () => {
    const sellerA = await createUser(t.pool);
    const sellerB = await createUser(t.pool);
    const book1 = await createBook(t.pool, sellerA.id, { title: 'Beloved', priceCents: 900, stock: 2 });
    const book2 = await createBook(t.pool, sellerB.id, { title: 'Solaris', priceCents: 1100, stock: 5 });
    const { agent, user } = await loggedInAgent(t);

    const empty = await agent.get('/cart');
    assert.match(empty.text, /Your cart is empty/);
    let csrf = await csrfOf(agent);
    assert.equal((await agent.post('/cart/add').type('form').send({ _csrf: csrf, book_id: String(book1), quantity: '1' })).status, 302);
    assert.equal((await agent.post('/cart/add').type('form').send({ _csrf: csrf, book_id: String(book2), quantity: '1', price_cents: '1' })).status, 302);
    assert.equal((await agent.post('/cart/update').type('form').send({ _csrf: csrf, book_id: String(book2), quantity: '3' })).status, 302);
    assert.equal((await agent.post('/cart/update').type('form').send({ _csrf: csrf, book_id: String(book2), quantity: 'lots' })).status, 422);

    // Log out and in again: the cart is still there.
    await agent.post('/logout').type('form').send({ _csrf: csrf });
    await login(agent, user.email);
    const cart = await agent.get('/cart');
    assert.match(cart.text, /Beloved/);
    assert.match(cart.text, /Solaris/);
    assert.match(cart.text, /\$42\.00/);

    csrf = await csrfOf(agent);
    const checkout = await agent.post('/cart/checkout').type('form').send({ _csrf: csrf, checkout_token: checkoutTokenFrom(cart.text), total_cents: '1' });
    assert.equal(checkout.status, 302);
    const purchaseId = purchaseIdFrom(checkout.headers.location);
    assert.equal((await purchaseRow(t.pool, purchaseId))?.items_cents, 900 + 3 * 1100);
    assert.equal(await count(t.pool, 'purchase_items', 'purchase_id = ?', [purchaseId]), 2);
    assert.equal(await stockOf(t.pool, book1), 1);
    assert.equal(await stockOf(t.pool, book2), 2);
    assert.match((await agent.get('/cart')).text, /Your cart is empty/);

    // Cancelling while pending returns the stock.
    const cancelled = await agent.post(`/purchases/${purchaseId}/cancel`).type('form').send({ _csrf: csrf });
    assert.equal(cancelled.status, 302);
    assert.equal((await purchaseRow(t.pool, purchaseId))?.status, 'cancelled');
    assert.equal(await stockOf(t.pool, book1), 2);
    assert.equal(await stockOf(t.pool, book2), 5);
  });

  test('a declined card keeps the purchase pending and says why; another card then works', async () => {
    const seller = await createUser(t.pool);
    const bookId = await createBook(t.pool, seller.id, { stock: 1 });
    const { agent } = await loggedInAgent(t);
    const id = purchaseIdFrom((await buyNow(agent, bookId)).headers.location);
    const [provider] = await providerIds(t.pool);
    await chooseDelivery(agent, id, provider!.id);
    const declined = await pay(agent, id, { method: 'credit_card', card_number: '4000 0000 0000 0002', card_expiry: '12/39', card_cvv: '123' });
    assert.equal(declined.status, 402);
    assert.match(declined.text, /declined/);
    assert.match(declined.text, /name="card_number" type="text"\s+value=""/, 'the card number is not sent back');
    assert.equal((await purchaseRow(t.pool, id))?.status, 'pending_payment');
    assert.equal(await count(t.pool, 'payments', 'purchase_id = ?', [id]), 0);
    const ok = await pay(agent, id, { method: 'paypal', paypal_email: 'bea@example.com' });
    assert.equal(ok.status, 302);
    assert.equal((await purchaseRow(t.pool, id))?.status, 'paid');
  });

  test('payment form errors re-render with 422 and field messages', async () => {
    const seller = await createUser(t.pool);
    const bookId = await createBook(t.pool, seller.id, { stock: 1 });
    const { agent } = await loggedInAgent(t);
    const id = purchaseIdFrom((await buyNow(agent, bookId)).headers.location);
    await chooseDelivery(agent, id, (await providerIds(t.pool))[0]!.id);
    const bad = await pay(agent, id, { method: 'credit_card', card_number: '4242 4242 4242 4241', card_expiry: '01/20', card_cvv: '12' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /card number is not valid/);
    assert.match(bad.text, /expired/);
    assert.match(bad.text, /security code/);
    const bank = await pay(agent, id, { method: 'bank_transfer', bank_name: '', bank_reference: '' });
    assert.equal(bank.status, 422);
    assert.match(bank.text, /name of your bank/);
    assert.equal((await purchaseRow(t.pool, id))?.status, 'pending_payment');
  });
});
