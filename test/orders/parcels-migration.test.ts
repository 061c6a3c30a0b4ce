// Migration 004 (parcels) on data made with the schema before it: each purchase keeps its one
// delivery as its one parcel, with its events and times as they were; a one-seller parcel becomes
// that seller's; a shared parcel of several sellers still leaves when the last of them ships; an
// unpaid purchase of several sellers gets a parcel per seller when its delivery is chosen.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { dropDatabase, migrate } from '../../src/db/migrate.js';
import { createPool, type RowDataPacket } from '../../src/db/pool.js';
import { SERVER_URL, startTestApp, type TestApp } from '../helpers/app.js';
import { chooseDelivery, createBook, csrfOf, parcelRows, providerIds } from '../helpers/orders.js';
import { createUser, login } from '../helpers/users.js';

const name = `bookstore_test_${randomBytes(5).toString('hex')}`;
const url = `${SERVER_URL}/${name}`;
let t: TestApp;
const ids = { s1: 0, s2: 0, buyer: 0, buyerEmail: '', s2Email: '' };
const T0 = new Date('2026-03-02T10:00:00Z');
const at = (minutes: number) => new Date(T0.getTime() + minutes * 60_000);

before(async () => {
  await migrate(url, { featureTo: { orders: '003' } });
  const pool = createPool(url, 2);
  try {
    const s1 = await createUser(pool, { name: 'Old Seller One' });
    const s2 = await createUser(pool, { name: 'Old Seller Two' });
    const buyer = await createUser(pool, { name: 'Old Buyer' });
    Object.assign(ids, { s1: s1.id, s2: s2.id, buyer: buyer.id, buyerEmail: buyer.email, s2Email: s2.email });
    const b1 = await createBook(pool, s1.id, { title: 'Old One', stock: 5 });
    const b2 = await createBook(pool, s2.id, { title: 'Old Two', stock: 5 });
    const q = (sql: string, params: unknown[]) => pool.query(sql, params);
    const ship = ['Bea', 'Calle 1', '', 'Medellín', 'Antioquia', '050021', 'CO', '3001234567'];
    const purchase = (id: number, status: string, paidAt: Date | null) =>
      q(
        `INSERT INTO purchases (id, buyer_id, reservation_key, status, items_cents, shipping_cents, total_cents, expires_at, paid_at, created_at,
           ship_recipient, ship_line1, ship_line2, ship_city, ship_region, ship_postal_code, ship_country, ship_phone)
         VALUES (?, ?, ?, ?, 2500, 1500, 4000, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [id, buyer.id, `old:${id}`, status, status === 'pending_payment' ? new Date(Date.now() + 3_600_000) : at(30), paidAt, at(0), ...ship],
      );
    // 1: one seller, shipped. 2: two sellers, one of them has handed over his books. 3: two sellers, unpaid.
    await purchase(1, 'paid', at(5));
    await purchase(2, 'paid', at(5));
    await purchase(3, 'pending_payment', null);
    await q(
      `INSERT INTO purchase_items (purchase_id, book_id, seller_id, seller_name, title, author, quantity, unit_price_cents, shipped_at) VALUES
        (1, ?, ?, 'Old Seller One', 'Old One', 'A', 2, 1250, ?), (2, ?, ?, 'Old Seller One', 'Old One', 'A', 1, 1250, ?),
        (2, ?, ?, 'Old Seller Two', 'Old Two', 'B', 1, 1250, NULL), (3, ?, ?, 'Old Seller One', 'Old One', 'A', 1, 1250, NULL),
        (3, ?, ?, 'Old Seller Two', 'Old Two', 'B', 1, 1250, NULL)`,
      [b1, s1.id, at(60), b1, s1.id, at(60), b2, s2.id, b1, s1.id, b2, s2.id],
    );
    await q(
      `INSERT INTO deliveries (id, purchase_id, provider_id, status, cost_cents, tracking_number, next_step_at) VALUES
        (11, 1, 4, 'shipped', 1500, 'BSOLDONE0001', ?), (12, 2, 4, 'preparing', 1500, 'BSOLDTWO0002', NULL), (13, 3, 4, 'pending', 1500, NULL, NULL)`,
      [new Date(Date.now() + 86_400_000)],
    );
    await q(
      `INSERT INTO delivery_events (delivery_id, status, note, created_at) VALUES
        (11, 'preparing', 'Payment received. The seller is preparing the parcel.', ?), (11, 'shipped', 'Handed to Servientrega.', ?),
        (12, 'preparing', 'Payment received. The seller is preparing the parcel.', ?),
        (12, 'preparing', 'Part of the order was handed to the carrier; waiting for the other sellers.', ?)`,
      [at(5), at(60), at(5), at(60)],
    );
  } finally {
    await pool.end();
  }
  assert.equal((await migrate(url))[0], 'orders/004.do.parcels.sql');
  t = await startTestApp({}, { url, name, drop: () => dropDatabase(url) });
});
after(() => t.close());

describe('migration 004: existing purchases become one parcel each', () => {
  test('the one parcel keeps its history; a one-seller parcel is its seller’s; shipped_at comes from its event', async () => {
    const [p1] = await parcelRows(t.pool, 1);
    assert.deepEqual({ ...p1, shipped_at: p1!.shipped_at?.toISOString() }, {
      id: 11,
      seller_id: ids.s1,
      provider_id: 4,
      status: 'shipped',
      cost_cents: 1500,
      tracking_number: 'BSOLDONE0001',
      shipped_at: at(60).toISOString(),
    });
    const [p2] = await parcelRows(t.pool, 2);
    assert.equal(p2!.seller_id, null, 'a parcel of two sellers stays shared');
    const [events] = await t.pool.execute<RowDataPacket[]>('SELECT delivery_id, status, created_at FROM delivery_events ORDER BY id');
    assert.equal(events.length, 4);
    assert.equal((events[1]!.created_at as Date).toISOString(), at(60).toISOString());
    const track = await t.agent().get('/track/BSOLDONE0001');
    assert.equal(track.status, 200);
    assert.match(track.text, /Handed to Servientrega\./);
  });

  test('the shared parcel leaves when its last seller ships; the buyer sees one parcel with its whole history', async () => {
    const s2 = t.agent();
    await login(s2, ids.s2Email);
    assert.equal((await s2.post('/sales/2/ship').type('form').send({ _csrf: await csrfOf(s2) })).status, 302);
    const [p2] = await parcelRows(t.pool, 2);
    assert.equal(p2!.status, 'shipped');
    const buyer = t.agent();
    await login(buyer, ids.buyerEmail);
    const page = await buyer.get('/purchases/2');
    assert.equal(page.status, 200);
    assert.match(page.text, /waiting for the other sellers/);
    assert.match(page.text, /Handed to Servientrega\./);
    assert.doesNotMatch(page.text, /Sent by/, 'one parcel, shown as before');
  });

  test('an unpaid purchase of two sellers gets a parcel per seller when its delivery is chosen', async () => {
    const buyer = t.agent();
    await login(buyer, ids.buyerEmail);
    const page = await buyer.get('/delivery/3');
    assert.equal(page.status, 200);
    assert.match(page.text, /Sent by Old Seller One: 1 book/);
    const [provider] = await providerIds(t.pool);
    assert.equal((await chooseDelivery(buyer, 3, provider!.id)).status, 302);
    assert.deepEqual((await parcelRows(t.pool, 3)).map((p) => [p.seller_id, p.status]), [
      [ids.s1, 'pending'],
      [ids.s2, 'pending'],
    ]);
  });
});
