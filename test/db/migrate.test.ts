// Migrations per owner: a new database gets each feature's history; a database from before the
// split (shared history 001-007 applied, with data) gets 008 and ends up with the same schema,
// its data carried over; no foreign key points from one owner's table to another's.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import mysql from 'mysql2/promise';
import { releaseExpiredHolds } from '../../src/catalog/reservations.service.js';
import { dropDatabase, FEATURES, migrate } from '../../src/db/migrate.js';
import { createPool } from '../../src/db/pool.js';
import { cancelByBuyer } from '../../src/orders/purchases.service.js';
import { localCatalog } from '../../src/catalog/catalog.local.js';
import { SERVER_URL } from '../helpers/app.js';

/** Which feature owns each table (the rule of issue 14: one owner per table). */
const OWNER: Record<string, (typeof FEATURES)[number]> = {
  users: 'accounts',
  sessions: 'accounts',
  login_limits: 'accounts',
  email_tokens: 'accounts',
  account_outbox: 'accounts',
  addresses: 'accounts',
  books: 'catalog',
  book_reservations: 'catalog',
  book_reservation_items: 'catalog',
  seller_stats: 'catalog',
  delivery_providers: 'orders',
  purchases: 'orders',
  payments: 'orders',
  deliveries: 'orders',
  purchase_items: 'orders',
  delivery_events: 'orders',
  cart_items: 'orders',
  api_idempotency: 'orders',
  order_outbox: 'orders',
  refunds: 'orders',
  claims: 'orders',
  claim_photos: 'orders',
};

const urls: string[] = [];
function newUrl(): string {
  const url = `${SERVER_URL}/bookstore_test_mig_${randomBytes(4).toString('hex')}`;
  urls.push(url);
  return url;
}

async function withConn<T>(url: string, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({ uri: url, timezone: 'Z' });
  try {
    return await fn(conn);
  } finally {
    await conn.end();
  }
}

async function tables(url: string): Promise<string[]> {
  return withConn(url, async (c) => {
    const [rows] = await c.query<mysql.RowDataPacket[]>("SELECT table_name AS t FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name NOT LIKE 'schema_version%'");
    return rows.map((r) => r.t as string).sort();
  });
}

/** SHOW CREATE TABLE of every table, without the AUTO_INCREMENT counter. */
async function schema(url: string): Promise<Record<string, string>> {
  const names = await tables(url);
  return withConn(url, async (c) => {
    const out: Record<string, string> = {};
    for (const name of names) {
      const [rows] = await c.query<mysql.RowDataPacket[]>('SHOW CREATE TABLE ??', [name]);
      out[name] = String(rows[0]?.['Create Table']).replace(/ AUTO_INCREMENT=\d+/, '');
    }
    return out;
  });
}

async function foreignKeys(url: string): Promise<{ from: string; to: string; name: string }[]> {
  return withConn(url, async (c) => {
    const [rows] = await c.query<mysql.RowDataPacket[]>(
      'SELECT table_name AS f, referenced_table_name AS t, constraint_name AS n FROM information_schema.referential_constraints WHERE constraint_schema = DATABASE()',
    );
    return rows.map((r) => ({ from: r.f as string, to: r.t as string, name: r.n as string }));
  });
}

after(async () => {
  for (const url of urls) await dropDatabase(url);
});

describe('a new database', () => {
  let url: string;
  before(() => {
    url = newUrl();
  });

  test('gets every feature history once; a second run applies nothing', async () => {
    assert.deepEqual(await migrate(url), [
      'accounts/001.do.accounts.sql',
      'accounts/002.do.addresses.sql',
      'accounts/003.do.email.sql',
      'catalog/001.do.catalog.sql',
      'catalog/002.do.reservation_line_returns.sql',
      'catalog/003.do.seller_stats.sql',
      'orders/001.do.orders.sql',
      'orders/002.do.purchase_ship_to.sql',
      'orders/003.do.order_outbox.sql',
      'orders/004.do.parcels.sql',
      'orders/005.do.refunds.sql',
      'orders/006.do.ship_by.sql',
      'orders/007.do.seller_stats_source.sql',
      'orders/008.do.claims.sql',
      'orders/009.do.claim_photos.sql',
    ]);
    assert.deepEqual(await migrate(url), []);
    assert.deepEqual(await tables(url), Object.keys(OWNER).sort());
    const providers = await withConn(url, async (c) => (await c.query<mysql.RowDataPacket[]>('SELECT name FROM delivery_providers ORDER BY id'))[0]);
    assert.deepEqual(providers.map((r) => r.name as string), ['DHL', 'FedEx', 'Envia', 'Servientrega']);
  });

  test('has no foreign key from one owner to another', async () => {
    const fks = await foreignKeys(url);
    assert.ok(fks.length > 0, 'foreign keys inside a feature remain');
    for (const fk of fks) assert.equal(OWNER[fk.to], OWNER[fk.from], `${fk.name}: ${fk.from} → ${fk.to}`);
  });

  test('one feature alone can migrate a database of its own', async () => {
    const own = newUrl();
    assert.deepEqual(await migrate(own, { features: ['catalog'] }), ['catalog/001.do.catalog.sql', 'catalog/002.do.reservation_line_returns.sql', 'catalog/003.do.seller_stats.sql']);
    assert.deepEqual(await tables(own), ['book_reservation_items', 'book_reservations', 'books', 'seller_stats']);
  });

  test("no feature's migration file refers to another feature's table", () => {
    for (const feature of FEATURES) {
      const dir = join(import.meta.dirname, '..', '..', 'src', feature, 'migrations');
      for (const file of readdirSync(dir)) {
        const sql = readFileSync(join(dir, file), 'utf8').replace(/--.*$/gm, '');
        for (const [table, owner] of Object.entries(OWNER)) {
          if (owner === feature) continue;
          assert.doesNotMatch(sql, new RegExp(`\\b${table}\\b`, 'i'), `${feature}/${file} mentions ${table}`);
        }
      }
    }
  });
});

describe('a database from before the split', () => {
  let fresh: string;
  let old: string;
  const at = new Date('2026-03-01T10:00:00Z');
  const later = new Date('2026-03-02T10:00:00Z');

  before(async () => {
    fresh = newUrl();
    await migrate(fresh);
    old = newUrl();
    await migrate(old, { legacyOnlyTo: '007' });
    // The shop as it was: a seller, a buyer, two books, purchases in each state.
    await withConn(old, async (c) => {
      await c.query("INSERT INTO users (id, name, email, password_hash) VALUES (1, 'Sally Seller', 'sally@example.com', ?), (2, 'Bob Buyer', 'bob@example.com', ?)", ['x'.repeat(60), 'x'.repeat(60)]);
      await c.query(
        "INSERT INTO books (id, seller_id, title, author, description, book_condition, price_cents, stock, created_at, updated_at) VALUES (1, 1, 'Dune', 'Frank Herbert', '', 'good', 900, 3, ?, ?), (2, 1, 'Emma', 'Jane Austen', '', 'fine', 500, 0, ?, ?)",
        [at, at, at, at],
      );
      await c.query(
        `INSERT INTO purchases (id, buyer_id, checkout_token, status, items_cents, total_cents, expires_at, paid_at, cancelled_at, cancel_reason, created_at, updated_at) VALUES
          (1, 2, 'token-pending-0001', 'pending_payment', 900, 900, ?, NULL, NULL, NULL, ?, ?),
          (2, 2, 'token-paid-000001', 'paid', 500, 500, ?, ?, NULL, NULL, ?, ?),
          (3, 2, 'token-cancelled-01', 'cancelled', 900, 900, ?, NULL, ?, 'buyer', ?, ?)`,
        [later, at, at, at, later, at, at, at, later, at, at],
      );
      await c.query(
        `INSERT INTO purchase_items (purchase_id, book_id, seller_id, title, author, quantity, unit_price_cents) VALUES
          (1, 1, 1, 'Dune', 'Frank Herbert', 1, 900), (2, 2, 1, 'Emma', 'Jane Austen', 1, 500), (3, 1, 1, 'Dune', 'Frank Herbert', 1, 900)`,
      );
      await c.query('INSERT INTO cart_items (user_id, book_id, quantity) VALUES (2, 1, 1)');
    });
  });

  test('gets 008 and then every feature history, and ends with the schema of a new database', async () => {
    assert.deepEqual(await migrate(old), [
      '008.do.split_by_owner.sql',
      'accounts/001.do.accounts.sql',
      'accounts/002.do.addresses.sql',
      'accounts/003.do.email.sql',
      'catalog/001.do.catalog.sql',
      'catalog/002.do.reservation_line_returns.sql',
      'catalog/003.do.seller_stats.sql',
      'orders/001.do.orders.sql',
      'orders/002.do.purchase_ship_to.sql',
      'orders/003.do.order_outbox.sql',
      'orders/004.do.parcels.sql',
      'orders/005.do.refunds.sql',
      'orders/006.do.ship_by.sql',
      'orders/007.do.seller_stats_source.sql',
      'orders/008.do.claims.sql',
      'orders/009.do.claim_photos.sql',
    ]);
    assert.deepEqual(await migrate(old), []);
    assert.deepEqual(await schema(old), await schema(fresh));
  });

  test('keeps its data: seller names copied, every purchase has a reservation in the matching state, times untouched', async () => {
    await withConn(old, async (c) => {
      const [books] = await c.query<mysql.RowDataPacket[]>('SELECT id, seller_name, stock, updated_at FROM books ORDER BY id');
      assert.deepEqual(books.map((b) => [b.id as number, b.seller_name as string, b.stock as number]), [[1, 'Sally Seller', 3], [2, 'Sally Seller', 0]]);
      assert.deepEqual(books.map((b) => (b.updated_at as Date).toISOString()), [at.toISOString(), at.toISOString()]);
      const [items] = await c.query<mysql.RowDataPacket[]>('SELECT seller_name FROM purchase_items');
      assert.ok(items.every((i) => i.seller_name === 'Sally Seller'));
      const [purchases] = await c.query<mysql.RowDataPacket[]>(
        `SELECT p.id, p.reservation_key, p.stock_released_at, p.updated_at, r.state, r.hold_until, i.book_id, i.quantity, i.unit_price_cents
           FROM purchases p JOIN book_reservations r ON r.reservation_key = p.reservation_key JOIN book_reservation_items i ON i.reservation_id = r.id ORDER BY p.id`,
      );
      assert.deepEqual(
        purchases.map((p) => [p.id as number, p.reservation_key as string, p.state as string, p.book_id as number, p.quantity as number, p.unit_price_cents as number]),
        [[1, 'legacy:1', 'held', 1, 1, 900], [2, 'legacy:2', 'committed', 2, 1, 500], [3, 'legacy:3', 'released', 1, 1, 900]],
      );
      assert.equal((purchases[0]?.hold_until as Date).toISOString(), new Date(later.getTime() + 5 * 60_000).toISOString(), 'held a little past the purchase expiry');
      assert.deepEqual(purchases.map((p) => (p.stock_released_at ? (p.stock_released_at as Date).toISOString() : null)), [null, null, later.toISOString()]);
      assert.ok(purchases.every((p) => (p.updated_at as Date).toISOString() === at.toISOString()));
      const [cart] = await c.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM cart_items');
      assert.equal(Number(cart[0]?.n), 1);
      const [providers] = await c.query<mysql.RowDataPacket[]>('SELECT COUNT(*) AS n FROM delivery_providers');
      assert.equal(Number(providers[0]?.n), 4, 'the providers are not seeded twice');
    });
  });

  test('has no foreign key from one owner to another any more', async () => {
    for (const fk of await foreignKeys(old)) assert.equal(OWNER[fk.to], OWNER[fk.from], `${fk.name}: ${fk.from} → ${fk.to}`);
  });

  test('a purchase from before the split is cancelled through its reservation: its copy comes back once', async () => {
    const pool = createPool(old, 2);
    try {
      const catalog = localCatalog(pool);
      await cancelByBuyer(pool, catalog, 2, 1);
      await releaseExpiredHolds(pool, new Date(Date.now() + 365 * 86_400_000));
      const [rows] = await pool.query<mysql.RowDataPacket[]>('SELECT b.stock, p.status, p.stock_released_at FROM books b, purchases p WHERE b.id = 1 AND p.id = 1');
      assert.equal(rows[0]?.stock, 4);
      assert.equal(rows[0]?.status, 'cancelled');
      assert.ok(rows[0]?.stock_released_at);
    } finally {
      await pool.end();
    }
  });
});
