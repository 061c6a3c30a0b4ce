import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createPool } from '../../src/db/pool.js';
import { sweepExpired } from '../../src/orders/purchases.service.js';
import { localCatalog } from '../../src/catalog/catalog.local.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { buyNow, chooseDelivery, count, createBook, csrfOf, pay, providerIds, purchaseIdFrom, purchaseRow, stockOf } from '../helpers/orders.js';
import { createUser, loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ PURCHASE_TTL_MINUTES: '30' });
});
after(() => t.close());

async function manyBuyers(n: number) {
  const buyers: Awaited<ReturnType<typeof loggedInAgent>>[] = [];
  // Logins hash with bcrypt: in batches, so the thread pool is not the bottleneck of the test.
  for (let i = 0; i < n; i += 25) {
    buyers.push(...(await Promise.all(Array.from({ length: Math.min(25, n - i) }, () => loggedInAgent(t)))));
  }
  return Promise.all(buyers.map(async (b) => ({ ...b, csrf: await csrfOf(b.agent) })));
}

describe('concurrency: stock is never sold twice', () => {
  test('200 simultaneous buyers of the last copy: exactly one purchase, stock 0, the others see "sold out"', async () => {
    const seller = await createUser(t.pool);
    const bookId = await createBook(t.pool, seller.id, { title: 'The Last Copy', stock: 1 });
    const buyers = await manyBuyers(200);
    const results = await Promise.all(buyers.map((b) => buyNow(b.agent, bookId, {}, b.csrf)));
    const won = results.filter((r) => r.status === 302);
    const lost = results.filter((r) => r.status === 409);
    assert.equal(won.length, 1, 'exactly one buyer wins');
    assert.equal(lost.length, 199, 'every other buyer gets 409');
    assert.match(lost[0]!.text, /Sold out/);
    assert.match(lost[0]!.text, /The Last Copy/);
    assert.equal(await stockOf(t.pool, bookId), 0);
    assert.equal(await count(t.pool, 'purchase_items', 'book_id = ?', [bookId]), 1);
    assert.equal(await count(t.pool, 'purchases', "status = 'pending_payment' AND items_cents > 0"), 1);
    assert.equal(await count(t.pool, 'purchases', 'items_cents = 0'), 0, 'losers leave no purchase behind');
  });

  test('40 parallel buys of a book with stock 5 make exactly 5 purchases', async () => {
    const seller = await createUser(t.pool);
    const bookId = await createBook(t.pool, seller.id, { stock: 5 });
    const buyers = await manyBuyers(40);
    const results = await Promise.all(buyers.map((b) => buyNow(b.agent, bookId, {}, b.csrf)));
    assert.equal(results.filter((r) => r.status === 302).length, 5);
    assert.equal(await stockOf(t.pool, bookId), 0);
    assert.equal(await count(t.pool, 'purchase_items', 'book_id = ?', [bookId]), 5);
  });

  test('the same checkout token submitted twice (in a row and at once) makes one purchase', async () => {
    const seller = await createUser(t.pool);
    const bookId = await createBook(t.pool, seller.id, { stock: 10 });
    const { agent } = await loggedInAgent(t);
    const csrf = await csrfOf(agent);
    const token = randomUUID();
    const first = await buyNow(agent, bookId, { checkout_token: token }, csrf);
    const again = await buyNow(agent, bookId, { checkout_token: token }, csrf);
    assert.equal(first.status, 302);
    assert.equal(again.status, 302);
    assert.equal(purchaseIdFrom(again.headers.location), purchaseIdFrom(first.headers.location));
    assert.equal(await stockOf(t.pool, bookId), 9);

    const token2 = randomUUID();
    const burst = await Promise.all(Array.from({ length: 8 }, () => buyNow(agent, bookId, { checkout_token: token2 }, csrf)));
    const ids = new Set(burst.map((r) => purchaseIdFrom(r.headers.location)));
    assert.equal(ids.size, 1, 'every submit answers with the same purchase');
    assert.equal(await stockOf(t.pool, bookId), 8);

    // The last copy, double-clicked: the second click gets the purchase, not "sold out".
    const lastBook = await createBook(t.pool, seller.id, { stock: 1 });
    const token3 = randomUUID();
    const clicks = await Promise.all([buyNow(agent, lastBook, { checkout_token: token3 }, csrf), buyNow(agent, lastBook, { checkout_token: token3 }, csrf)]);
    assert.deepEqual(clicks.map((r) => r.status), [302, 302]);
    assert.equal(await count(t.pool, 'purchase_items', 'book_id = ?', [lastBook]), 1);
  });
});

describe('expiry', () => {
  test('two sweepers at once (two pools, like two instances) cancel each expired purchase and restock it exactly once', async () => {
    const seller = await createUser(t.pool);
    const bookId = await createBook(t.pool, seller.id, { stock: 30 });
    const buyers = await manyBuyers(10);
    const ids: number[] = [];
    for (const b of buyers) ids.push(purchaseIdFrom((await buyNow(b.agent, bookId, { quantity: '2' }, b.csrf)).headers.location));
    assert.equal(await stockOf(t.pool, bookId), 10);

    // Before the TTL nothing happens.
    assert.equal(await sweepExpired(t.pool, t.ports.catalog, new Date(Date.now() + 29 * 60_000)), 0);
    const pending = await count(t.pool, 'purchases', "status = 'pending_payment'"); // earlier tests' too
    const other = createPool(t.config.databaseUrl, 10);
    const otherCatalog = localCatalog(other);
    try {
      const later = new Date(Date.now() + 31 * 60_000);
      const [a, b, c] = await Promise.all([sweepExpired(t.pool, t.ports.catalog, later), sweepExpired(other, otherCatalog, later), sweepExpired(other, otherCatalog, later)]);
      assert.equal(a + b + c, pending, 'each purchase is cancelled by exactly one sweeper');
    } finally {
      await other.end();
    }
    assert.equal(await stockOf(t.pool, bookId), 30, 'stock returned exactly once');
    for (const id of ids) assert.equal((await purchaseRow(t.pool, id))?.status, 'cancelled');
    assert.equal(await sweepExpired(t.pool, t.ports.catalog, new Date(Date.now() + 60 * 60_000)), 0);
  });

  test('an expired purchase can no longer get a delivery or be paid (409, nothing changes)', async () => {
    const seller = await createUser(t.pool);
    const bookId = await createBook(t.pool, seller.id, { stock: 1 });
    const { agent } = await loggedInAgent(t);
    const id = purchaseIdFrom((await buyNow(agent, bookId)).headers.location);
    const [provider] = await providerIds(t.pool);
    await chooseDelivery(agent, id, provider!.id);
    // Expire it in the past, then sweep now.
    await t.pool.execute('UPDATE purchases SET expires_at = ? WHERE id = ?', [new Date(Date.now() - 1000), id]);
    const late = await pay(agent, id);
    assert.equal(late.status, 409);
    assert.match(late.text, /expired/);
    assert.equal(await sweepExpired(t.pool, t.ports.catalog), 1);
    assert.equal(await stockOf(t.pool, bookId), 1);
    const afterSweep = await pay(agent, id);
    assert.equal(afterSweep.status, 409);
    assert.match(afterSweep.text, /cancelled/);
    assert.equal(await count(t.pool, 'payments', 'purchase_id = ?', [id]), 0);
  });
});
