// One parcel per seller (issue 27, item 1): a cart from two sellers ships as two parcels, each with
// its own carrier, cost, tracking number, timeline and tracking page; each seller ships only theirs;
// the purchase's status summarises them. Through HTTP against the real database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { advanceDeliveries } from '../../src/orders/deliveries.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ADDRESS, checkoutCart, chooseDelivery, count, createBook, csrfOf, pay, parcelRows, providerIds, purchaseRow } from '../helpers/orders.js';
import { createUser, csrfFrom, loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ DELIVERY_SPEEDUP: '3600' });
});
after(() => t.close());

const later = (ms: number) => new Date(Date.now() + ms);

/** A purchase of two books from Ana and one from Beto, still waiting for its delivery. */
async function twoSellerPurchase() {
  const ana = await loggedInAgent(t, { name: 'Ana Seller' });
  const beto = await loggedInAgent(t, { name: 'Beto Seller' });
  const a1 = await createBook(t.pool, ana.user.id, { title: 'Kindred', priceCents: 1000, stock: 2 });
  const a2 = await createBook(t.pool, ana.user.id, { title: 'Dawn', priceCents: 500, stock: 2 });
  const b1 = await createBook(t.pool, beto.user.id, { title: 'Solaris', priceCents: 2000, stock: 2 });
  const buyer = await loggedInAgent(t, { name: 'Bea Buyer' });
  const purchaseId = await checkoutCart(buyer.agent, [a1, a2, b1]);
  return { ana, beto, buyer, purchaseId, books: { a1, a2, b1 } };
}

describe('one parcel per seller', () => {
  test('two sellers: a box each with its own carrier and cost; the total adds both; each parcel ships, travels and is tracked on its own', async () => {
    const { ana, beto, buyer, purchaseId } = await twoSellerPurchase();
    const [p1, p2] = await providerIds(t.pool);
    assert.ok(p1 && p2 && p1.costCents !== p2.costCents);

    const page = await buyer.agent.get(`/delivery/${purchaseId}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Sent by Ana Seller: 2 books/);
    assert.match(page.text, /Sent by Beto Seller: 1 book</);
    assert.ok(page.text.includes(`name="provider_id_${ana.user.id}"`) && page.text.includes(`name="provider_id_${beto.user.id}"`));
    const spanish = await buyer.agent.get(`/delivery/${purchaseId}`).set('Accept-Language', 'es-CO');
    assert.match(spanish.text, /Lo envía Ana Seller: 2 libros/);

    // One box left without a carrier: 422 on that box, nothing chosen.
    const csrf = csrfFrom(page.text);
    const missing = await buyer.agent
      .post(`/delivery/${purchaseId}`)
      .type('form')
      .send({ _csrf: csrf, address_id: 'new', ...ADDRESS, [`provider_id_${ana.user.id}`]: String(p1.id) });
    assert.equal(missing.status, 422);
    assert.ok(missing.text.includes(`id="provider_id_${beto.user.id}-error"`));
    assert.ok(missing.text.includes(`name="provider_id_${ana.user.id}" value="${p1.id}" checked`), 'the choice made is kept');
    assert.equal(await count(t.pool, 'deliveries', 'purchase_id = ?', [purchaseId]), 0);

    const chosen = await chooseDelivery(buyer.agent, purchaseId, p1.id, { [`provider_id_${beto.user.id}`]: String(p2.id) });
    assert.equal(chosen.status, 302);
    const row = await purchaseRow(t.pool, purchaseId);
    assert.equal(row?.items_cents, 3500);
    assert.equal(row?.shipping_cents, p1.costCents + p2.costCents, 'shipping is the sum of the parcels');
    assert.equal(row?.total_cents, 3500 + p1.costCents + p2.costCents);
    let parcels = await parcelRows(t.pool, purchaseId);
    assert.deepEqual(
      parcels.map((p) => [p.seller_id, p.provider_id, p.cost_cents, p.status]),
      [
        [ana.user.id, p1.id, p1.costCents, 'pending'],
        [beto.user.id, p2.id, p2.costCents, 'pending'],
      ],
    );
    const payment = await buyer.agent.get(`/payment/${purchaseId}`);
    assert.match(payment.text, /Shipping from Ana Seller/);
    assert.match(payment.text, /Shipping from Beto Seller/);

    // Changing one carrier keeps the same two parcels.
    await chooseDelivery(buyer.agent, purchaseId, p2.id, { [`provider_id_${beto.user.id}`]: String(p2.id) });
    assert.equal((await purchaseRow(t.pool, purchaseId))?.shipping_cents, 2 * p2.costCents);
    await chooseDelivery(buyer.agent, purchaseId, p1.id, { [`provider_id_${beto.user.id}`]: String(p2.id) });
    assert.equal(await count(t.pool, 'deliveries', 'purchase_id = ?', [purchaseId]), 2);

    const paid = await pay(buyer.agent, purchaseId);
    assert.equal(paid.status, 302);
    parcels = await parcelRows(t.pool, purchaseId);
    assert.deepEqual(parcels.map((p) => p.status), ['preparing', 'preparing']);
    const [anaTracking, betoTracking] = parcels.map((p) => p.tracking_number!);
    assert.ok(anaTracking && betoTracking && anaTracking !== betoTracking, 'a tracking number each');
    const flashed = await buyer.agent.get(`/purchases/${purchaseId}`);
    assert.ok(flashed.text.includes(anaTracking) && flashed.text.includes(betoTracking));
    assert.match(flashed.text, /travel in 2 parcels/);

    // Ana ships her parcel only; Beto's stays with him.
    const anaSales = await ana.agent.get('/sales');
    assert.match(anaSales.text, /Kindred/);
    assert.doesNotMatch(anaSales.text, /Solaris/);
    assert.equal((await ana.agent.post(`/sales/${purchaseId}/ship`).type('form').send({ _csrf: await csrfOf(ana.agent) })).status, 302);
    parcels = await parcelRows(t.pool, purchaseId);
    assert.deepEqual(parcels.map((p) => p.status), ['shipped', 'preparing']);
    assert.ok(parcels[0]!.shipped_at);
    assert.equal((await ana.agent.post(`/sales/${purchaseId}/ship`).type('form').send({ _csrf: await csrfOf(ana.agent) })).status, 409, 'twice is refused');
    assert.match((await buyer.agent.get('/purchases')).text, /Partly shipped/);

    // Ana's parcel is delivered while Beto's is still being prepared.
    assert.equal(await advanceDeliveries(t.pool, 3600, later(60_000)), 1);
    assert.equal(await advanceDeliveries(t.pool, 3600, later(600_000)), 1);
    parcels = await parcelRows(t.pool, purchaseId);
    assert.deepEqual(parcels.map((p) => p.status), ['delivered', 'preparing']);
    const detail = await buyer.agent.get(`/purchases/${purchaseId}`);
    assert.match(detail.text, /Sent by Ana Seller: 2 books/);
    assert.match(detail.text, /Sent by Beto Seller: 1 book</);
    assert.match((await buyer.agent.get('/purchases')).text, /Partly delivered/);
    assert.match((await buyer.agent.get('/purchases').set('Accept-Language', 'es-CO')).text, /Entregada en parte/);

    // Each parcel has its own public page.
    const anaTrack = await t.agent().get(`/track/${anaTracking}`);
    assert.match(anaTrack.text, /Delivered/);
    const betoTrack = await t.agent().get(`/track/${betoTracking}`);
    assert.match(betoTrack.text, /Preparing/);
    assert.doesNotMatch(betoTrack.text, /Delivered\./);

    // Beto ships; the API shows both parcels.
    assert.equal((await beto.agent.post(`/sales/${purchaseId}/ship`).type('form').send({ _csrf: await csrfOf(beto.agent) })).status, 302);
    assert.deepEqual((await parcelRows(t.pool, purchaseId)).map((p) => p.status), ['delivered', 'shipped']);
    // The buyer heard of each parcel's shipping.
    assert.equal(await count(t.pool, 'purchases', 'id = ? AND status = ?', [purchaseId, 'paid']), 1);
  });

  test('a stranger cannot ship a parcel; a buyer cannot choose a carrier for a seller not in the purchase (API)', async () => {
    const { buyer, purchaseId, ana, beto } = await twoSellerPurchase();
    const [p1] = await providerIds(t.pool);
    const token = (await t.agent().post('/api/login').send({ email: buyer.user.email, password: 'correct horse battery staple' })).body as { token: string };
    const auth = { Authorization: `Bearer ${token.token}` };
    const stranger = await createUser(t.pool);
    const bad = await t
      .agent()
      .post(`/api/delivery/${purchaseId}`)
      .set(auth)
      .send({ providers: [{ seller_id: stranger.id, provider_id: p1!.id }], address: { ...ADDRESS, postal_code: ADDRESS.postal_code } });
    assert.equal(bad.status, 422);
    assert.equal(await count(t.pool, 'deliveries', 'purchase_id = ?', [purchaseId]), 0);

    const both = await t
      .agent()
      .post(`/api/delivery/${purchaseId}`)
      .set(auth)
      .set('Idempotency-Key', `parcels-${purchaseId}`)
      .send({ providers: [{ seller_id: ana.user.id, provider_id: p1!.id }, { seller_id: beto.user.id, provider_id: p1!.id }], address: ADDRESS });
    assert.equal(both.status, 200, both.text);
    const body = both.body as { purchase: { shippingCents: number; parcels: { sellerId: number; delivery: { costCents: number } }[] } };
    assert.deepEqual(body.purchase.parcels.map((p) => p.sellerId), [ana.user.id, beto.user.id]);
    assert.equal(body.purchase.shippingCents, 2 * p1!.costCents);

    const intruder = await loggedInAgent(t);
    const paid = await pay(buyer.agent, purchaseId);
    assert.equal(paid.status, 302);
    assert.equal((await intruder.agent.post(`/sales/${purchaseId}/ship`).type('form').send({ _csrf: await csrfOf(intruder.agent) })).status, 403);
    assert.deepEqual((await parcelRows(t.pool, purchaseId)).map((p) => p.status), ['preparing', 'preparing']);
  });
});
