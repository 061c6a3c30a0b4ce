// What the next buyer should know (issue 27, item 5): a seller's completed-sale rate and median time
// from payment to shipping over 180 days, computed by orders from its records, published to catalog
// through its port and shown on the seller's books' pages.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { advanceDeliveries } from '../../src/orders/deliveries.service.js';
import { computeSellerStats, publishSellerStats, sellerStatsJob } from '../../src/orders/seller-stats.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { buyAndPay, createBook, csrfOf, parcelRows, providerIds } from '../helpers/orders.js';
import { loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ DELIVERY_SPEEDUP: '3600' });
});
after(() => t.close());

describe("a seller's record", () => {
  test('delivered ÷ decided (declines and missed deadlines count against, buyer cancels and parcels on their way do not); median payment → shipping; on the book page', async () => {
    const sam = await loggedInAgent(t, { name: 'Sam Seller' });
    const book = await createBook(t.pool, sam.user.id, { title: 'Lilith’s Brood', stock: 20 });
    const buyer = await loggedInAgent(t);
    const [provider] = await providerIds(t.pool);
    const buy = () => buyAndPay(buyer.agent, book, provider!.id);
    const post = async (agent: typeof sam.agent, path: string) => agent.post(path).type('form').send({ _csrf: await csrfOf(agent) });

    // Nothing yet: the page says so.
    assert.match((await t.agent().get(`/book/${book}`).set('Accept-Language', 'en')).text, /No completed sales in the last 180 days yet/);

    const delivered1 = await buy();
    const delivered2 = await buy();
    const declined = await buy();
    const cancelledByBuyer = await buy();
    await buy(); // still being prepared: not decided
    for (const id of [delivered1, delivered2]) assert.equal((await post(sam.agent, `/sales/${id}/ship`)).status, 302);
    assert.equal((await post(sam.agent, `/sales/${declined}/decline`)).status, 302);
    const [parcel] = await parcelRows(t.pool, cancelledByBuyer);
    assert.equal((await post(buyer.agent, `/purchases/${cancelledByBuyer}/parcels/${parcel!.id}/cancel`)).status, 302);
    await advanceDeliveries(t.pool, 3600, new Date(Date.now() + 60_000));
    await advanceDeliveries(t.pool, 3600, new Date(Date.now() + 600_000));
    // Shipped 2 and 4 hours after payment (the test sets the times the records hold).
    await t.pool.execute('UPDATE deliveries d JOIN purchases p ON p.id = d.purchase_id SET d.shipped_at = DATE_ADD(p.paid_at, INTERVAL 2 HOUR) WHERE d.purchase_id = ?', [delivered1]);
    await t.pool.execute('UPDATE deliveries d JOIN purchases p ON p.id = d.purchase_id SET d.shipped_at = DATE_ADD(p.paid_at, INTERVAL 4 HOUR) WHERE d.purchase_id = ?', [delivered2]);

    const [stats] = await computeSellerStats(t.pool, [sam.user.id]);
    assert.deepEqual(stats, { sellerId: sam.user.id, decidedParcels: 3, completedPermille: 667, medianShipMinutes: 180 });

    assert.equal(await publishSellerStats(t.pool, t.ports.catalog, null), await publishSellerStats(t.pool, t.ports.catalog, null));
    const page = await t.agent().get(`/book/${book}`).set('Accept-Language', 'en');
    assert.match(page.text, /67% of their sales completed in the last 180 days \(3 sales\)/);
    assert.match(page.text, /usually ships within a day of payment/);
    assert.match((await t.agent().get(`/book/${book}`).set('Accept-Language', 'es-CO')).text, /67% de sus ventas completadas/);

    // The job publishes again only the sellers whose parcels changed since its last run.
    const run = sellerStatsJob(t.pool, t.ports.catalog);
    assert.ok((await run()) >= 1, 'the first run publishes every seller of the window');
    assert.equal(await run(), 1, 'then those changed in the last minute (this seller)');
  });
});
