// Cancel and refund before shipping (issue 27, item 2): the buyer cancels a paid, unshipped parcel;
// a seller declines theirs. The parcel's books and shipping are refunded once (a real record), its
// stock returns exactly once through the catalog port, the other parcels are untouched; the refund
// shows on the purchase, on the seller's sales and revenue, on /admin/purchases and in the API.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { cancelParcel, retryStockReturns } from '../../src/orders/refunds.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { checkoutCart, chooseDelivery, count, createBook, csrfOf, pay, parcelRows, providerIds, purchaseRow, stockOf } from '../helpers/orders.js';
import { loggedInAgent, login } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

async function refundRows(purchaseId: number) {
  const [rows] = await t.pool.execute<RowDataPacket[]>(
    'SELECT delivery_id, seller_id, cause, cause_key, items_cents, shipping_cents, amount_cents FROM refunds WHERE purchase_id = ? ORDER BY id',
    [purchaseId],
  );
  return rows.map((r) => ({ ...r }));
}

async function outbox(template: string, userId: number): Promise<number> {
  return count(t.pool, 'order_outbox', 'template = ? AND recipient_user_id = ?', [template, userId]);
}

async function tokenFor(email: string) {
  const res = await t.agent().post('/api/login').send({ email, password: 'correct horse battery staple' });
  return { Authorization: `Bearer ${(res.body as { token: string }).token}` };
}

/** Paid: two books from Ana (one parcel) and one from Beto (another), with different carriers. */
async function paidTwoSellers() {
  const ana = await loggedInAgent(t, { name: 'Ana Seller' });
  const beto = await loggedInAgent(t, { name: 'Beto Seller' });
  const a1 = await createBook(t.pool, ana.user.id, { title: 'Kindred', priceCents: 1000, stock: 3 });
  const a2 = await createBook(t.pool, ana.user.id, { title: 'Dawn', priceCents: 500, stock: 3 });
  const b1 = await createBook(t.pool, beto.user.id, { title: 'Solaris', priceCents: 2000, stock: 3 });
  const buyer = await loggedInAgent(t, { name: 'Bea Buyer' });
  const purchaseId = await checkoutCart(buyer.agent, [a1, a2, b1]);
  const [p1, p2] = await providerIds(t.pool);
  assert.equal((await chooseDelivery(buyer.agent, purchaseId, p1!.id, { [`provider_id_${beto.user.id}`]: String(p2!.id) })).status, 302);
  assert.equal((await pay(buyer.agent, purchaseId)).status, 302);
  const [anaParcel, betoParcel] = await parcelRows(t.pool, purchaseId);
  return { ana, beto, buyer, purchaseId, books: { a1, a2, b1 }, anaParcel: anaParcel!, betoParcel: betoParcel!, p1: p1!, p2: p2! };
}

describe('cancel and refund a paid parcel before it ships', () => {
  test('the buyer cancels one parcel: it is refunded (books + its shipping), its stock comes back, the other parcel is untouched; shown everywhere', async () => {
    const { ana, beto, buyer, purchaseId, books, anaParcel, betoParcel, p1 } = await paidTwoSellers();
    assert.equal(await stockOf(t.pool, books.a1), 2);
    const page = await buyer.agent.get(`/purchases/${purchaseId}`);
    assert.ok(page.text.includes(`/purchases/${purchaseId}/parcels/${anaParcel.id}/cancel`));
    assert.match(page.text, /Cancel and refund/);

    const res = await buyer.agent.post(`/purchases/${purchaseId}/parcels/${anaParcel.id}/cancel`).type('form').send({ _csrf: await csrfOf(buyer.agent) });
    assert.equal(res.status, 302);
    assert.deepEqual((await parcelRows(t.pool, purchaseId)).map((p) => p.status), ['cancelled', 'preparing']);
    assert.deepEqual(await refundRows(purchaseId), [
      { delivery_id: anaParcel.id, seller_id: ana.user.id, cause: 'buyer', cause_key: `parcel:${anaParcel.id}`, items_cents: 1500, shipping_cents: p1.costCents, amount_cents: 1500 + p1.costCents },
    ]);
    assert.equal(await stockOf(t.pool, books.a1), 3, 'back once');
    assert.equal(await stockOf(t.pool, books.a2), 3);
    assert.equal(await stockOf(t.pool, books.b1), 2, "Beto's book stays sold");
    const [returned] = await t.pool.execute<RowDataPacket[]>('SELECT stock_returned_at, cancel_reason FROM deliveries WHERE id = ?', [anaParcel.id]);
    assert.ok(returned[0]!.stock_returned_at);
    assert.equal(returned[0]!.cancel_reason, 'buyer');
    assert.equal((await purchaseRow(t.pool, purchaseId))?.status, 'paid', 'the rest of the purchase goes on');

    const detail = await buyer.agent.get(`/purchases/${purchaseId}`);
    assert.match(detail.text, /was refunded to your payment method/);
    assert.match(detail.text, /You cancelled this parcel before it shipped/);
    assert.match(detail.text, /Refunds/);
    assert.ok(detail.text.includes(`/purchases/${purchaseId}/parcels/${betoParcel.id}/cancel`), 'the other parcel can still be cancelled');
    assert.match((await buyer.agent.get(`/purchases/${purchaseId}`).set('Accept-Language', 'es-CO')).text, /Cancelaste este paquete/);

    // Again: refused, nothing more refunded or returned.
    const again = await buyer.agent.post(`/purchases/${purchaseId}/parcels/${anaParcel.id}/cancel`).type('form').send({ _csrf: await csrfOf(buyer.agent) });
    assert.equal(again.status, 409);
    assert.match(again.text, /already cancelled and refunded/);
    assert.equal((await refundRows(purchaseId)).length, 1);
    assert.equal(await stockOf(t.pool, books.a1), 3);

    // Ana's sales: the sale shows as cancelled and her revenue is net of it; Beto's is whole.
    const anaSales = await ana.agent.get('/sales');
    assert.match(anaSales.text, /The buyer cancelled it and was refunded/);
    assert.match(anaSales.text, /class="stat-value">\$0\.00</);
    assert.match((await beto.agent.get('/sales')).text, /class="stat-value">\$20\.00</);
    // The buyer and Ana were told.
    assert.equal(await outbox('parcel_refunded', buyer.user.id), 1);
    assert.equal(await outbox('sale_cancelled', ana.user.id), 1);
    assert.equal(await outbox('sale_cancelled', beto.user.id), 0);

    // The admin's list and the API.
    const admin = await loggedInAgent(t, { role: 'admin' });
    const list = await admin.agent.get('/admin/purchases');
    assert.ok(list.text.includes('Refunded'));
    const api = await t.agent().get(`/api/purchases/${purchaseId}`).set(await tokenFor(buyer.user.email));
    const body = api.body as { purchase: { refundedCents: number; refunds: { cause: string; amountCents: number; parcelId: number }[]; parcels: { delivery: { status: string; cancelReason: string | null } }[] } };
    assert.equal(body.purchase.refundedCents, 1500 + p1.costCents);
    assert.deepEqual(body.purchase.refunds.map((r) => [r.cause, r.parcelId]), [['buyer', anaParcel.id]]);
    assert.deepEqual(body.purchase.parcels.map((p) => [p.delivery.status, p.delivery.cancelReason]), [['cancelled', 'buyer'], ['preparing', null]]);
  });

  test('a shipped parcel cannot be cancelled; a stranger cannot cancel; an unpaid purchase has no refund', async () => {
    const { ana, buyer, purchaseId, anaParcel } = await paidTwoSellers();
    assert.equal((await ana.agent.post(`/sales/${purchaseId}/ship`).type('form').send({ _csrf: await csrfOf(ana.agent) })).status, 302);
    const late = await buyer.agent.post(`/purchases/${purchaseId}/parcels/${anaParcel.id}/cancel`).type('form').send({ _csrf: await csrfOf(buyer.agent) });
    assert.equal(late.status, 409);
    assert.match(late.text, /already been shipped/);
    const stranger = await loggedInAgent(t);
    assert.equal((await stranger.agent.post(`/purchases/${purchaseId}/parcels/${anaParcel.id}/cancel`).type('form').send({ _csrf: await csrfOf(stranger.agent) })).status, 403);
    assert.equal((await stranger.agent.post(`/sales/${purchaseId}/decline`).type('form').send({ _csrf: await csrfOf(stranger.agent) })).status, 403);
    assert.equal((await buyer.agent.post(`/purchases/${purchaseId}/parcels/abc/cancel`).type('form').send({ _csrf: await csrfOf(buyer.agent) })).status, 404);
    assert.equal((await refundRows(purchaseId)).length, 0);
  });

  test('a seller declines their parcel: refunded, counted as declined, stock back; the buyer is told; the API declines with an Idempotency-Key', async () => {
    const { beto, buyer, purchaseId, books, betoParcel, p2 } = await paidTwoSellers();
    const sales = await beto.agent.get('/sales');
    assert.ok(sales.text.includes(`/sales/${purchaseId}/decline`));
    const res = await beto.agent.post(`/sales/${purchaseId}/decline`).type('form').send({ _csrf: await csrfOf(beto.agent) });
    assert.equal(res.status, 302);
    assert.deepEqual(await refundRows(purchaseId), [
      { delivery_id: betoParcel.id, seller_id: beto.user.id, cause: 'seller_declined', cause_key: `parcel:${betoParcel.id}`, items_cents: 2000, shipping_cents: p2.costCents, amount_cents: 2000 + p2.costCents },
    ]);
    assert.equal(await stockOf(t.pool, books.b1), 3);
    assert.match((await beto.agent.get('/sales')).text, /You declined it; the buyer was refunded/);
    assert.match((await buyer.agent.get(`/purchases/${purchaseId}`)).text, /The seller could not send this parcel/);
    assert.equal(await outbox('parcel_refunded', buyer.user.id), 1);

    // The API: Ana declines hers; a retry with the same key replays the answer and refunds nothing more.
    const other = await paidTwoSellers();
    const auth = await tokenFor(other.ana.user.email);
    const first = await t.agent().post(`/api/sales/${other.purchaseId}/decline`).set(auth).set('Idempotency-Key', `decline-${other.purchaseId}`).send({});
    assert.equal(first.status, 200, first.text);
    assert.equal((first.body as { refund: { cause: string; amountCents: number } }).refund.cause, 'seller_declined');
    const replay = await t.agent().post(`/api/sales/${other.purchaseId}/decline`).set(auth).set('Idempotency-Key', `decline-${other.purchaseId}`).send({});
    assert.equal(replay.status, 200);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    const fresh = await t.agent().post(`/api/sales/${other.purchaseId}/decline`).set(auth).send({});
    assert.equal(fresh.status, 409);
    assert.equal((await refundRows(other.purchaseId)).length, 1);
    assert.equal(await stockOf(t.pool, other.books.a1), 3);

    // The buyer cancels Beto's parcel through the API.
    const buyerAuth = await tokenFor(other.buyer.user.email);
    const cancel = await t.agent().post(`/api/purchases/${other.purchaseId}/parcels/${other.betoParcel.id}/cancel`).set(buyerAuth).set('Idempotency-Key', `cancel-${other.purchaseId}`).send({});
    assert.equal(cancel.status, 200, cancel.text);
    assert.equal((cancel.body as { purchase: { deliveryStatus: string } }).purchase.deliveryStatus, 'cancelled');
    assert.equal((await refundRows(other.purchaseId)).length, 2);
    const [paid] = await t.pool.execute<RowDataPacket[]>('SELECT amount_cents FROM payments WHERE purchase_id = ?', [other.purchaseId]);
    const refunded = (await refundRows(other.purchaseId)).reduce((s, r) => s + Number(r.amount_cents), 0);
    assert.equal(refunded, Number(paid[0]!.amount_cents), 'everything refunded, never more than paid');
    assert.match((await other.buyer.agent.get(`/purchases/${other.purchaseId}`)).text, /timeline-cancelled/, 'every parcel cancelled: the purchase timeline ends cancelled');
  });

  test('a stock return that fails is retried by the sweep, once', async () => {
    const { purchaseId, books, anaParcel, buyer } = await paidTwoSellers();
    const failing = { ...t.ports.catalog, returnLines: () => Promise.reject(new Error('catalog is down')) };
    await cancelParcel(t.pool, failing, purchaseId, { buyerId: buyer.user.id, parcelId: anaParcel.id });
    assert.equal((await parcelRows(t.pool, purchaseId))[0]!.status, 'cancelled');
    assert.equal(await stockOf(t.pool, books.a1), 2, 'not back yet');
    assert.equal(await retryStockReturns(t.pool, t.ports.catalog, new Date()), 0, 'not retried at once');
    const later = new Date(Date.now() + 120_000);
    assert.equal(await retryStockReturns(t.pool, t.ports.catalog, later), 1);
    assert.equal(await stockOf(t.pool, books.a1), 3);
    assert.equal(await retryStockReturns(t.pool, t.ports.catalog, later), 0);
    assert.equal(await stockOf(t.pool, books.a1), 3);
  });
});

describe('races', () => {
  test('a cancel racing a ship: exactly one wins, and the database agrees with it', async () => {
    for (let round = 0; round < 4; round++) {
      const { ana, buyer, purchaseId, books, anaParcel } = await paidTwoSellers();
      const [cancelCsrf, shipCsrf] = await Promise.all([csrfOf(buyer.agent), csrfOf(ana.agent)]);
      const [cancel, ship] = await Promise.all([
        buyer.agent.post(`/purchases/${purchaseId}/parcels/${anaParcel.id}/cancel`).type('form').send({ _csrf: cancelCsrf }),
        ana.agent.post(`/sales/${purchaseId}/ship`).type('form').send({ _csrf: shipCsrf }),
      ]);
      assert.deepEqual([cancel.status, ship.status].sort(), [302, 409], `round ${round}`);
      const [parcel] = await parcelRows(t.pool, purchaseId);
      const refunds = await refundRows(purchaseId);
      if (cancel.status === 302) {
        assert.equal(parcel!.status, 'cancelled');
        assert.equal(refunds.length, 1);
        assert.equal(await stockOf(t.pool, books.a1), 3);
      } else {
        assert.equal(parcel!.status, 'shipped');
        assert.equal(refunds.length, 0);
        assert.equal(await stockOf(t.pool, books.a1), 2);
      }
    }
  });

  test('two refunds racing (the buyer twice, the seller once, a second app instance): one refund, the stock back once', async () => {
    const { ana, buyer, purchaseId, books, anaParcel } = await paidTwoSellers();
    const sibling = t.sibling();
    const other = sibling.agent();
    await login(other, buyer.user.email);
    const [c1, c2, c3] = await Promise.all([csrfOf(buyer.agent), csrfOf(other), csrfOf(ana.agent)]);
    const answers = await Promise.all([
      buyer.agent.post(`/purchases/${purchaseId}/parcels/${anaParcel.id}/cancel`).type('form').send({ _csrf: c1 }),
      other.post(`/purchases/${purchaseId}/parcels/${anaParcel.id}/cancel`).type('form').send({ _csrf: c2 }),
      ana.agent.post(`/sales/${purchaseId}/decline`).type('form').send({ _csrf: c3 }),
    ]);
    assert.deepEqual(answers.map((a) => a.status).sort(), [302, 409, 409]);
    assert.equal((await refundRows(purchaseId)).length, 1);
    assert.equal(await stockOf(t.pool, books.a1), 3);
    assert.equal(await stockOf(t.pool, books.a2), 3);
  });
});
