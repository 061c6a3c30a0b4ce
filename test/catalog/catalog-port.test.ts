// The CatalogPort contract: what orders may rely on, whichever implementation is wired. It runs twice:
// on the in-process port (the monolith's) and on the HTTP client order uses, talking over 127.0.0.1 to
// catalog's own /internal router behind the real service-token guard (the split shop's).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { CatalogPort } from '../../src/catalog/catalog.port.js';
import { localCatalog } from '../../src/catalog/catalog.local.js';
import { catalogInternalRoutes } from '../../src/catalog/catalog.internal.js';
import { releaseExpiredHolds } from '../../src/catalog/reservations.service.js';
import { sellerStatsOf } from '../../src/catalog/catalog.service.js';
import { httpCatalog } from '../../src/services/catalog.client.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { serveInternal, type InternalServer } from '../helpers/internal.js';
import { createBook, stockOf } from '../helpers/orders.js';
import { createUser } from '../helpers/users.js';

let t: TestApp;
let catalogService: InternalServer;
let overHttp: CatalogPort;
before(async () => {
  t = await startTestApp();
  catalogService = await serveInternal('catalog', 'order', catalogInternalRoutes({ pool: t.pool }));
  overHttp = httpCatalog(catalogService.call);
});
after(async () => {
  await catalogService.close();
  await t.close();
});

const soon = () => new Date(Date.now() + 60 * 60_000);

function contract(name: string, port: () => CatalogPort) {
  describe(`CatalogPort contract: ${name}`, () => {
    let seller: number;
    before(async () => {
      seller = (await createUser(t.pool, { name: 'Sally Seller' })).id;
    });

    test('booksForSale answers listed and unlisted books with their seller, and leaves unknown ids out', async () => {
      const a = await createBook(t.pool, seller, { title: 'Dune', priceCents: 900, stock: 3 });
      const b = await createBook(t.pool, seller, { title: 'Emma', listed: false });
      const books = await port().booksForSale([a, b, 99_999_999, a]);
      assert.deepEqual(
        books.map((x) => [x.id, x.title, x.priceCents, x.stock, x.sellerId, x.sellerName, x.listed]).sort(),
        [[a, 'Dune', 900, 3, seller, 'Sally Seller', true], [b, 'Emma', 1250, 1, seller, 'Sally Seller', false]].sort(),
      );
      assert.deepEqual(await port().booksForSale([]), []);
    });

    test('reserve takes every line or none, never below zero; a refusal leaves the key free', async () => {
      const a = await createBook(t.pool, seller, { stock: 5, priceCents: 700 });
      const b = await createBook(t.pool, seller, { stock: 1 });
      const key = randomUUID();
      const refused = await port().reserve(key, [{ bookId: a, quantity: 2 }, { bookId: b, quantity: 2 }], { holdUntil: soon() });
      assert.deepEqual(refused, { refused: { bookId: b, reason: 'sold_out', stock: 1 } });
      assert.equal(await stockOf(t.pool, a), 5, 'nothing taken from the first line');
      const ok = await port().reserve(key, [{ bookId: b, quantity: 1 }, { bookId: a, quantity: 1 }, { bookId: a, quantity: 1 }], { holdUntil: soon() });
      assert.ok('reserved' in ok);
      assert.equal(ok.reserved.state, 'held');
      assert.deepEqual(
        ok.reserved.lines.map((l) => [l.bookId, l.quantity]),
        [[a, 2], [b, 1]].sort((x, y) => x[0]! - y[0]!),
        'merged, in book id order',
      );
      assert.equal(ok.reserved.lines.find((l) => l.bookId === a)?.unitPriceCents, 700);
      assert.equal(await stockOf(t.pool, a), 3);
      assert.equal(await stockOf(t.pool, b), 0);
    });

    test('reserve refuses an unlisted or unknown book as not for sale', async () => {
      const hidden = await createBook(t.pool, seller, { listed: false, stock: 4 });
      assert.deepEqual(await port().reserve(randomUUID(), [{ bookId: hidden, quantity: 1 }], { holdUntil: soon() }), {
        refused: { bookId: hidden, reason: 'not_for_sale', stock: 0 },
      });
      assert.deepEqual(await port().reserve(randomUUID(), [{ bookId: 99_999_999, quantity: 1 }], { holdUntil: soon() }), {
        refused: { bookId: 99_999_999, reason: 'not_for_sale', stock: 0 },
      });
      assert.equal(await stockOf(t.pool, hidden), 4);
    });

    test('the same key twice (in a row and at once) reserves once and answers the same reservation', async () => {
      const a = await createBook(t.pool, seller, { stock: 10 });
      const key = randomUUID();
      const first = await port().reserve(key, [{ bookId: a, quantity: 2 }], { holdUntil: soon() });
      const again = await port().reserve(key, [{ bookId: a, quantity: 5 }], { holdUntil: soon() });
      assert.deepEqual(again, first);
      assert.equal(await stockOf(t.pool, a), 8);
      const burstKey = randomUUID();
      const burst = await Promise.all(Array.from({ length: 10 }, () => port().reserve(burstKey, [{ bookId: a, quantity: 3 }], { holdUntil: soon() })));
      for (const r of burst) assert.deepEqual(r, burst[0]);
      assert.equal(await stockOf(t.pool, a), 5, 'taken once');
    });

    test('release returns the stock exactly once, also when called at once; commit after release fails', async () => {
      const a = await createBook(t.pool, seller, { stock: 4 });
      const key = randomUUID();
      await port().reserve(key, [{ bookId: a, quantity: 3 }], { holdUntil: soon() });
      const results = await Promise.all(Array.from({ length: 6 }, () => port().release(key)));
      assert.equal(results.filter(Boolean).length, 1);
      assert.equal(await stockOf(t.pool, a), 4);
      assert.equal(await port().release(key), false);
      assert.equal(await port().commit(key), false);
      assert.equal(await port().release('no-such-reservation'), false);
      const again = await port().reserve(key, [{ bookId: a, quantity: 1 }], { holdUntil: soon() });
      assert.ok('reserved' in again && again.reserved.state === 'released', 'a released key stays released');
      assert.equal(await stockOf(t.pool, a), 4);
    });

    test('commit is idempotent; a committed reservation can still be released, once; the stock is capped at 10,000', async () => {
      const a = await createBook(t.pool, seller, { stock: 10_000 });
      const key = randomUUID();
      await port().reserve(key, [{ bookId: a, quantity: 2 }], { holdUntil: soon() });
      assert.equal(await port().commit(key), true);
      assert.equal(await port().commit(key), true);
      await t.pool.execute('UPDATE books SET stock = 10000 WHERE id = ?', [a]); // the seller restocked meanwhile
      assert.equal(await port().release(key), true);
      assert.equal(await stockOf(t.pool, a), 10_000);
      assert.equal(await port().commit('no-such-reservation'), false);
    });

    test('returnLines gives back some lines of a sold reservation, each once (also when asked at once); a later release skips them', async () => {
      const a = await createBook(t.pool, seller, { stock: 5 });
      const b = await createBook(t.pool, seller, { stock: 5 });
      const key = randomUUID();
      await port().reserve(key, [{ bookId: a, quantity: 2 }, { bookId: b, quantity: 1 }], { holdUntil: soon() });
      assert.equal(await port().returnLines(key, [a]), false, 'a held reservation goes back whole, by release');
      await port().commit(key);
      const answers = await Promise.all([port().returnLines(key, [a]), port().returnLines(key, [a]), port().returnLines(key, [a])]);
      assert.deepEqual(answers.sort(), [false, false, true]);
      assert.equal(await stockOf(t.pool, a), 5);
      assert.equal(await stockOf(t.pool, b), 4, 'the other line stays sold');
      assert.equal(await port().returnLines(key, [a]), false);
      assert.equal(await port().returnLines('no-such-reservation', [a]), false);
      assert.equal(await port().release(key), true);
      assert.equal(await stockOf(t.pool, a), 5, 'not returned twice');
      assert.equal(await stockOf(t.pool, b), 5);
    });

    test('publishSellerStats stores a record per seller, replacing the one before', async () => {
      const other = (await createUser(t.pool)).id;
      await port().publishSellerStats([{ sellerId: other, decidedParcels: 4, completedPermille: 750, medianShipMinutes: 90 }]);
      await port().publishSellerStats([{ sellerId: other, decidedParcels: 5, completedPermille: 800, medianShipMinutes: null }]);
      await port().publishSellerStats([]);
      assert.deepEqual(await sellerStatsOf(t.pool, other), { sellerId: other, decidedParcels: 5, completedPermille: 800, medianShipMinutes: null });
    });
  });
}

contract('in-process', () => t.ports.catalog);
contract("HTTP (order's client, catalog's internal router)", () => overHttp);

describe('held reservations nobody committed or released', () => {
  test('are released when their hold ends, by one of several sweepers, once; committed ones are left alone', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { stock: 6 });
    const holdUntil = new Date(Date.now() + 10 * 60_000);
    const left = randomUUID();
    const sold = randomUUID();
    await t.ports.catalog.reserve(left, [{ bookId: book, quantity: 2 }], { holdUntil });
    await t.ports.catalog.reserve(sold, [{ bookId: book, quantity: 1 }], { holdUntil });
    await t.ports.catalog.commit(sold);
    assert.equal(await stockOf(t.pool, book), 3);
    assert.equal(await releaseExpiredHolds(t.pool, new Date(holdUntil.getTime() - 1000)), 0, 'not before the hold ends');
    assert.equal(await stockOf(t.pool, book), 3);
    const other: Pool = createPool(t.config.databaseUrl, 5);
    try {
      const later = new Date(holdUntil.getTime() + 1000);
      const counts = await Promise.all([releaseExpiredHolds(t.pool, later), releaseExpiredHolds(other, later), releaseExpiredHolds(other, later)]);
      assert.equal(counts.reduce((a, b) => a + b, 0), 1);
      assert.equal(await stockOf(t.pool, book), 5, 'the held copies came back once, the sold one did not');
      assert.equal(await localCatalog(other).commit(left), false, 'too late to commit');
    } finally {
      await other.end();
    }
  });
});
