// The purchase as a saga over catalog's port: reserve → write the purchase → release on failure;
// pay commits, cancel and expiry release; a reservation left behind by a crash is released when its
// hold ends. Afterwards no copy is lost or sold twice, and no purchase is without its reservation.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CatalogPort } from '../../src/catalog/catalog.port.js';
import { releaseExpiredHolds } from '../../src/catalog/reservations.service.js';
import type { RowDataPacket } from '../../src/db/pool.js';
import { cancelByBuyer, createPurchase, HOLD_GRACE_MS, RELEASE_RETRY_AFTER_MS, reservationKey, sweepExpired } from '../../src/orders/purchases.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { buyNow, chooseDelivery, count, createBook, csrfOf, pay, providerIds, purchaseIdFrom, purchaseRow, stockOf } from '../helpers/orders.js';
import { createUser, loggedInAgent } from '../helpers/users.js';

const TTL_MINUTES = 30;
let t: TestApp;
/** Every book made here and the stock it was listed with: what stock + open reservations must add up to. */
const listedWith = new Map<number, number>();

before(async () => {
  t = await startTestApp({ PURCHASE_TTL_MINUTES: String(TTL_MINUTES) });
});
after(() => t.close());

async function book(sellerId: number, stock: number, opts: { priceCents?: number; title?: string } = {}): Promise<number> {
  const id = await createBook(t.pool, sellerId, { stock, ...opts });
  listedWith.set(id, stock);
  return id;
}

async function reservation(key: string): Promise<{ state: string; hold_until: Date } | undefined> {
  const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT state, hold_until FROM book_reservations WHERE reservation_key = ?', [key]);
  return rows[0] as { state: string; hold_until: Date } | undefined;
}

/** The real catalog, with one step replaced. */
function catalogWith(changes: Partial<CatalogPort>): CatalogPort {
  return { ...t.ports.catalog, ...changes };
}

const lineOf = (bookId: number, quantity = 1) => [{ bookId, quantity }];

describe('a crash between reserving and writing the purchase', () => {
  test('leaves a held reservation that is released when its hold ends: no stock is lost', async () => {
    const seller = await createUser(t.pool);
    const bookId = await book(seller.id, 2);
    const buyer = await createUser(t.pool);
    const token = randomUUID();
    // Catalog reserves, then the orders process dies before it writes anything.
    const crashing = catalogWith({
      reserve: async (...args) => {
        await t.ports.catalog.reserve(...args);
        throw new Error('the process died here');
      },
    });
    const now = new Date();
    await assert.rejects(createPurchase(t.pool, crashing, { buyerId: buyer.id, lines: lineOf(bookId), checkoutToken: token, ttlMinutes: TTL_MINUTES, now }), /died/);
    assert.equal(await stockOf(t.pool, bookId), 1, 'the copy is held');
    assert.equal(await count(t.pool, 'purchases', 'buyer_id = ?', [buyer.id]), 0);
    const held = await reservation(reservationKey(buyer.id, token));
    assert.equal(held?.state, 'held');
    const holdEnds = now.getTime() + TTL_MINUTES * 60_000 + HOLD_GRACE_MS;
    assert.ok(Math.abs(held.hold_until.getTime() - holdEnds) < 1000, 'held a little past the purchase it was for would have expired');

    assert.equal(await releaseExpiredHolds(t.pool, new Date(holdEnds - 1000)), 0, 'not before the hold ends');
    assert.equal(await stockOf(t.pool, bookId), 1);
    assert.equal(await releaseExpiredHolds(t.pool, new Date(holdEnds + 1000)), 1);
    assert.equal(await stockOf(t.pool, bookId), 2, 'the copy is back on sale');
    assert.equal((await reservation(reservationKey(buyer.id, token)))?.state, 'released');
  });

  test('the same checkout submitted again finishes the purchase on the reservation already held, taking nothing twice', async () => {
    const seller = await createUser(t.pool);
    const bookId = await book(seller.id, 3);
    const { agent, user } = await loggedInAgent(t);
    const token = randomUUID();
    await t.ports.catalog.reserve(reservationKey(user.id, token), lineOf(bookId), { holdUntil: new Date(Date.now() + 3_600_000) });
    assert.equal(await stockOf(t.pool, bookId), 2);
    const res = await buyNow(agent, bookId, { checkout_token: token });
    assert.equal(res.status, 302);
    assert.equal(await stockOf(t.pool, bookId), 2, 'the retry used the held copy');
    assert.equal((await purchaseRow(t.pool, purchaseIdFrom(res.headers.location)))?.status, 'pending_payment');
  });
});

describe('a failure after the reservation', () => {
  test('a purchase that cannot be written releases its reservation (and leaves no purchase)', async () => {
    const seller = await createUser(t.pool);
    const bookId = await book(seller.id, 2);
    const buyer = await createUser(t.pool);
    const token = 'x'.repeat(70); // longer than purchases.checkout_token holds: the INSERT fails
    await assert.rejects(createPurchase(t.pool, t.ports.catalog, { buyerId: buyer.id, lines: lineOf(bookId), checkoutToken: token, ttlMinutes: TTL_MINUTES }));
    assert.equal(await stockOf(t.pool, bookId), 2);
    assert.equal((await reservation(reservationKey(buyer.id, token)))?.state, 'released');
    assert.equal(await count(t.pool, 'purchases', 'buyer_id = ?', [buyer.id]), 0);
  });

  test('a price raised between the check and the reservation past the purchase cap: 422, released', async () => {
    const seller = await createUser(t.pool);
    const bookId = await book(seller.id, 20, { priceCents: 100_000_000 });
    const buyer = await createUser(t.pool);
    const stale = catalogWith({ booksForSale: async (ids) => (await t.ports.catalog.booksForSale(ids)).map((b) => ({ ...b, priceCents: 1 })) });
    const token = randomUUID();
    await assert.rejects(
      createPurchase(t.pool, stale, { buyerId: buyer.id, lines: lineOf(bookId, 11), checkoutToken: token, ttlMinutes: TTL_MINUTES }),
      (err: Error & { status?: number }) => err.status === 422,
    );
    assert.equal(await stockOf(t.pool, bookId), 20);
    assert.equal((await reservation(reservationKey(buyer.id, token)))?.state, 'released');
  });

  test('refused by catalog (another buyer was faster): nothing is reserved and the form can be sent again', async () => {
    const seller = await createUser(t.pool);
    const bookId = await book(seller.id, 1);
    const { agent, user } = await loggedInAgent(t);
    const token = randomUUID();
    // What the buyer saw said 1 copy; catalog has none left by the time it reserves.
    const late = catalogWith({ booksForSale: async (ids) => (await t.ports.catalog.booksForSale(ids)).map((b) => ({ ...b, stock: 1 })) });
    await t.pool.execute('UPDATE books SET stock = 0 WHERE id = ?', [bookId]);
    await assert.rejects(createPurchase(t.pool, late, { buyerId: user.id, lines: lineOf(bookId), checkoutToken: token, ttlMinutes: TTL_MINUTES }), /could not be reserved: it is sold out/);
    assert.equal(await reservation(reservationKey(user.id, token)), undefined);
    await t.pool.execute('UPDATE books SET stock = 1 WHERE id = ?', [bookId]);
    assert.equal((await buyNow(agent, bookId, { checkout_token: token })).status, 302);
    assert.equal(await stockOf(t.pool, bookId), 0);
  });
});

describe('paying, cancelling and expiry', () => {
  test('paying commits the reservation, so the end of its hold never returns a sold copy', async () => {
    const seller = await createUser(t.pool);
    const bookId = await book(seller.id, 1);
    const { agent } = await loggedInAgent(t);
    const id = purchaseIdFrom((await buyNow(agent, bookId)).headers.location);
    const [provider] = await providerIds(t.pool);
    await chooseDelivery(agent, id, provider!.id);
    assert.equal((await pay(agent, id)).status, 302);
    const row = await purchaseRow(t.pool, id);
    assert.equal(row?.status, 'paid');
    const [[purchase]] = (await t.pool.execute<RowDataPacket[]>('SELECT reservation_key FROM purchases WHERE id = ?', [id])) as unknown as [[{ reservation_key: string }]];
    assert.equal((await reservation(purchase.reservation_key))?.state, 'committed');
    // A year on: orders' sweep has cancelled whatever was left unpaid, then catalog's sweep runs.
    const future = new Date(Date.now() + 365 * 86_400_000);
    await sweepExpired(t.pool, t.ports.catalog, future);
    await releaseExpiredHolds(t.pool, future);
    assert.equal(await stockOf(t.pool, bookId), 0);
    assert.equal((await purchaseRow(t.pool, id))?.status, 'paid');
  });

  test('a purchase whose reservation catalog already released cannot be paid: 409, and it is cancelled', async () => {
    const seller = await createUser(t.pool);
    const bookId = await book(seller.id, 1);
    const { agent } = await loggedInAgent(t);
    const id = purchaseIdFrom((await buyNow(agent, bookId)).headers.location);
    const [provider] = await providerIds(t.pool);
    await chooseDelivery(agent, id, provider!.id);
    const [[purchase]] = (await t.pool.execute<RowDataPacket[]>('SELECT reservation_key FROM purchases WHERE id = ?', [id])) as unknown as [[{ reservation_key: string }]];
    assert.equal(await t.ports.catalog.release(purchase.reservation_key), true); // e.g. its hold ran out while orders was down
    const res = await pay(agent, id);
    assert.equal(res.status, 409);
    assert.match(res.text, /expired/);
    assert.equal((await purchaseRow(t.pool, id))?.status, 'cancelled');
    assert.equal(await count(t.pool, 'payments', 'purchase_id = ?', [id]), 0);
    assert.equal(await stockOf(t.pool, bookId), 1);
  });

  test('a cancel whose release fails still cancels; the sweep returns the stock later, once', async () => {
    const seller = await createUser(t.pool);
    const bookId = await book(seller.id, 2);
    const buyer = await createUser(t.pool);
    const { purchase } = await createPurchase(t.pool, t.ports.catalog, { buyerId: buyer.id, lines: lineOf(bookId), checkoutToken: randomUUID(), ttlMinutes: TTL_MINUTES });
    const unreachable = catalogWith({ release: () => Promise.reject(new Error('catalog is unreachable')) });
    const now = new Date();
    await cancelByBuyer(t.pool, unreachable, buyer.id, purchase.id, now);
    assert.equal((await purchaseRow(t.pool, purchase.id))?.status, 'cancelled');
    assert.equal(await stockOf(t.pool, bookId), 1, 'not back yet');
    assert.equal(await sweepExpired(t.pool, t.ports.catalog, new Date(now.getTime() + 1000)), 0, 'retried only after a while');
    assert.equal(await stockOf(t.pool, bookId), 1);
    const later = new Date(now.getTime() + RELEASE_RETRY_AFTER_MS + 1000);
    await Promise.all([sweepExpired(t.pool, t.ports.catalog, later), sweepExpired(t.pool, t.ports.catalog, later)]);
    assert.equal(await stockOf(t.pool, bookId), 2);
    assert.equal(await count(t.pool, 'purchases', 'id = ? AND stock_released_at IS NOT NULL', [purchase.id]), 1);
  });
});

describe('deleting a book', () => {
  // Catalog answers from its own reservations, in the monolith as in the services: every purchase
  // line was a reservation first, so a book ever reserved may be in someone's history. A book whose
  // only reservation was given back is unlisted too (a row more, nothing wrong); one never reserved
  // is deleted.
  test('a book ever reserved (held now, or given back) is unlisted; one never reserved is deleted', async () => {
    const { agent, user } = await loggedInAgent(t);
    const held = await createBook(t.pool, user.id, { stock: 2 });
    const released = await createBook(t.pool, user.id, { stock: 2 });
    await t.ports.catalog.reserve(randomUUID(), lineOf(held), { holdUntil: new Date(Date.now() + 3_600_000) });
    const key = randomUUID();
    await t.ports.catalog.reserve(key, lineOf(released), { holdUntil: new Date(Date.now() + 3_600_000) });
    await t.ports.catalog.release(key);
    const csrf = await csrfOf(agent);
    await agent.post(`/book/delete_book/${held}`).type('form').send({ _csrf: csrf });
    await agent.post(`/book/delete_book/${released}`).type('form').send({ _csrf: csrf });
    const never = await createBook(t.pool, user.id, { stock: 2 });
    await agent.post(`/book/delete_book/${never}`).type('form').send({ _csrf: csrf });
    const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT id, listed FROM books WHERE id IN (?, ?, ?) ORDER BY id', [held, released, never]);
    assert.deepEqual(rows.map((r) => [r.id as number, r.listed as number]), [[held, 0], [released, 0]]);
  });

  test("a deleted book leaves the buyers' carts, and checkout goes on with the rest", async () => {
    const seller = await loggedInAgent(t);
    const gone = await createBook(t.pool, seller.user.id, { title: 'Soon Gone', stock: 1 });
    const kept = await book(seller.user.id, 1, { title: 'Still Here' });
    const buyer = await loggedInAgent(t);
    for (const id of [gone, kept]) await buyer.agent.post('/cart/add').type('form').send({ _csrf: await csrfOf(buyer.agent), book_id: String(id), quantity: '1' });
    assert.equal((await seller.agent.post(`/book/delete_book/${gone}`).type('form').send({ _csrf: await csrfOf(seller.agent) })).status, 302);
    const cart = await buyer.agent.get('/cart');
    assert.doesNotMatch(cart.text, /Soon Gone/);
    assert.match(cart.text, /Still Here/);
    const res = await buyer.agent.post('/cart/checkout').type('form').send({ _csrf: await csrfOf(buyer.agent), checkout_token: randomUUID() });
    assert.equal(res.status, 302);
    assert.equal(await count(t.pool, 'purchase_items', 'purchase_id = ?', [purchaseIdFrom(res.headers.location)]), 1);
  });
});

describe('after all of the above', () => {
  test('no purchase is without its reservation, and every copy is either in stock or reserved', async () => {
    const [orphans] = await t.pool.query<RowDataPacket[]>(
      `SELECT p.id FROM purchases p LEFT JOIN book_reservations r ON r.reservation_key = p.reservation_key
        WHERE r.id IS NULL OR (p.status = 'pending_payment' AND r.state = 'released') OR (p.status = 'paid' AND r.state <> 'committed')`,
    );
    assert.deepEqual(orphans, []);
    for (const [bookId, stock] of listedWith) {
      const [[row]] = (await t.pool.query(
        `SELECT b.stock + COALESCE((SELECT SUM(i.quantity) FROM book_reservation_items i JOIN book_reservations r ON r.id = i.reservation_id
                                    WHERE i.book_id = b.id AND r.state <> 'released'), 0) AS copies FROM books b WHERE b.id = ?`,
        [bookId],
      )) as unknown as [[{ copies: string }]];
      assert.equal(Number(row.copies), stock, `book ${bookId}`);
    }
  });
});
