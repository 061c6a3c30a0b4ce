// The ship-by deadline (issue 27, item 3): a paid parcel must be marked shipped within
// SHIP_BY_BUSINESS_DAYS business days (Monday to Friday); buyer and seller see the date; past it the
// job cancels and refunds it and tells both (outbox e-mail and the pages). Two instances running the
// job at once cancel, refund and restock each overdue parcel once.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPool, type RowDataPacket } from '../../src/db/pool.js';
import { localCatalog } from '../../src/catalog/catalog.local.js';
import { loadConfig } from '../../src/config.js';
import { addBusinessDays } from '../../src/orders/business-days.js';
import { cancelOverdueParcels } from '../../src/orders/refunds.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { checkoutCart, chooseDelivery, count, createBook, csrfOf, pay, parcelRows, providerIds, stockOf } from '../helpers/orders.js';
import { loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ SHIP_BY_BUSINESS_DAYS: '2' });
});
after(() => t.close());

describe('business days', () => {
  test('count Monday to Friday, at the same time of day', () => {
    const at = (iso: string) => new Date(iso);
    assert.equal(addBusinessDays(at('2026-03-02T10:00:00Z'), 3).toISOString(), '2026-03-05T10:00:00.000Z', 'Monday + 3 = Thursday');
    assert.equal(addBusinessDays(at('2026-03-05T10:00:00Z'), 3).toISOString(), '2026-03-10T10:00:00.000Z', 'Thursday + 3 = Tuesday');
    assert.equal(addBusinessDays(at('2026-03-06T23:30:00Z'), 3).toISOString(), '2026-03-11T23:30:00.000Z', 'Friday + 3 = Wednesday');
    assert.equal(addBusinessDays(at('2026-03-07T09:00:00Z'), 3).toISOString(), '2026-03-11T09:00:00.000Z', 'Saturday + 3 = Wednesday');
    assert.equal(addBusinessDays(at('2026-03-08T09:00:00Z'), 1).toISOString(), '2026-03-09T09:00:00.000Z', 'Sunday + 1 = Monday');
  });

  test('SHIP_BY_BUSINESS_DAYS defaults to 3 and refuses nonsense', () => {
    const base = { NODE_ENV: 'test', DATABASE_URL: 'mysql://x@127.0.0.1/x', SESSION_SECRET: 's'.repeat(40), JWT_SECRET: 'j'.repeat(40) };
    assert.equal(loadConfig(base).shipByBusinessDays, 3);
    assert.equal(loadConfig({ ...base, SHIP_BY_BUSINESS_DAYS: '5' }).shipByBusinessDays, 5);
    assert.throws(() => loadConfig({ ...base, SHIP_BY_BUSINESS_DAYS: '0' }));
    assert.throws(() => loadConfig({ ...base, SHIP_BY_BUSINESS_DAYS: 'soon' }));
  });
});

async function paidTwoSellers() {
  const ana = await loggedInAgent(t, { name: 'Ana Seller' });
  const beto = await loggedInAgent(t, { name: 'Beto Seller' });
  const a1 = await createBook(t.pool, ana.user.id, { title: 'Kindred', priceCents: 1000, stock: 3 });
  const b1 = await createBook(t.pool, beto.user.id, { title: 'Solaris', priceCents: 2000, stock: 3 });
  const buyer = await loggedInAgent(t, { name: 'Bea Buyer' });
  const purchaseId = await checkoutCart(buyer.agent, [a1, b1]);
  const [provider] = await providerIds(t.pool);
  assert.equal((await chooseDelivery(buyer.agent, purchaseId, provider!.id)).status, 302);
  assert.equal((await pay(buyer.agent, purchaseId)).status, 302);
  return { ana, beto, buyer, purchaseId, books: { a1, b1 } };
}

describe('the ship-by deadline', () => {
  test('each parcel gets its date at payment; the buyer and the seller see it', async () => {
    const { ana, buyer, purchaseId } = await paidTwoSellers();
    const [row] = await t.pool.execute<RowDataPacket[]>('SELECT paid_at FROM purchases WHERE id = ?', [purchaseId]);
    const paidAt = row[0]!.paid_at as Date;
    const [ships] = await t.pool.execute<RowDataPacket[]>('SELECT ship_by FROM deliveries WHERE purchase_id = ? ORDER BY id', [purchaseId]);
    for (const s of ships) assert.equal((s.ship_by as Date).toISOString(), addBusinessDays(paidAt, 2).toISOString());
    const page = await buyer.agent.get(`/purchases/${purchaseId}`);
    assert.match(page.text, /Ships by/);
    assert.match(page.text, /if it has not shipped by then, it is cancelled and refunded/);
    assert.match((await buyer.agent.get(`/purchases/${purchaseId}`).set('Accept-Language', 'es-CO')).text, /Se envía a más tardar/);
    const sales = await ana.agent.get('/sales');
    assert.match(sales.text, /Ship by /);
    const api = await t.agent().post('/api/login').send({ email: buyer.user.email, password: 'correct horse battery staple' });
    const detail = await t.agent().get(`/api/purchases/${purchaseId}`).set('Authorization', `Bearer ${(api.body as { token: string }).token}`);
    assert.ok((detail.body as { purchase: { parcels: { delivery: { shipBy: string } }[] } }).purchase.parcels.every((p) => p.delivery.shipBy));
  });

  test('past it, the job cancels and refunds the unshipped parcel only, tells both, and two instances at once do it once', async () => {
    const runs = await Promise.all([paidTwoSellers(), paidTwoSellers(), paidTwoSellers()]);
    // Ana ships in the first purchase: her parcel is past the deadline's reach.
    const first = runs[0];
    assert.equal((await first.ana.agent.post(`/sales/${first.purchaseId}/ship`).type('form').send({ _csrf: await csrfOf(first.ana.agent) })).status, 302);

    const [due] = await t.pool.execute<RowDataPacket[]>('SELECT MAX(ship_by) AS last FROM deliveries WHERE purchase_id IN (?, ?, ?)', runs.map((r) => r.purchaseId));
    const last = due[0]!.last as Date;
    assert.equal(await cancelOverdueParcels(t.pool, t.ports.catalog, new Date(last.getTime() - 60_000)), 0, 'not before the date');

    // Two instances (their own pools, as two servers would have) run the job at the same moment.
    const other = createPool(t.config.databaseUrl, 10);
    try {
      const after = new Date(last.getTime() + 1000);
      const overdue = await count(t.pool, 'deliveries', "status = 'preparing' AND ship_by <= ?", [after.toISOString().slice(0, 19).replace('T', ' ')]);
      assert.ok(overdue >= 5, 'ours and any earlier test\'s');
      const counts = await Promise.all([cancelOverdueParcels(t.pool, t.ports.catalog, after), cancelOverdueParcels(other, localCatalog(other), after)]);
      assert.equal(counts[0] + counts[1], overdue, 'every overdue parcel cancelled by one instance only');
    } finally {
      await other.end();
    }
    assert.deepEqual((await parcelRows(t.pool, first.purchaseId)).map((p) => p.status), ['shipped', 'cancelled']);
    for (const run of runs.slice(1)) assert.deepEqual((await parcelRows(t.pool, run.purchaseId)).map((p) => p.status), ['cancelled', 'cancelled']);
    for (const run of runs) {
      const [refunds] = await t.pool.execute<RowDataPacket[]>('SELECT cause, COUNT(*) AS n FROM refunds WHERE purchase_id = ? GROUP BY cause', [run.purchaseId]);
      assert.deepEqual(refunds.map((r) => [String(r.cause), Number(r.n)]), [['deadline', run === first ? 1 : 2]]);
      assert.equal(await stockOf(t.pool, run.books.b1), 3, "Beto's book back once");
      assert.equal(await stockOf(t.pool, run.books.a1), run === first ? 2 : 3);
      assert.equal(await count(t.pool, 'order_outbox', 'template = ? AND recipient_user_id = ?', ['sale_cancelled', run.beto.user.id]), 1, 'the seller is told');
      assert.equal(await count(t.pool, 'order_outbox', 'template = ? AND recipient_user_id = ?', ['parcel_refunded', run.buyer.user.id]), run === first ? 1 : 2, 'the buyer is told, per parcel');
    }
    // And the pages say so.
    assert.match((await first.buyer.agent.get(`/purchases/${first.purchaseId}`)).text, /did not ship it by its ship-by date/);
    assert.match((await first.beto.agent.get('/sales')).text, /Not shipped in time; the buyer was refunded/);
    assert.equal(await cancelOverdueParcels(t.pool, t.ports.catalog, new Date(last.getTime() + 60_000)), 0, 'nothing left');
  });
});
