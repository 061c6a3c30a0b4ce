// Database trouble is a 503 the user may retry, never a 500: the server unreachable, a pooled
// connection that died, or a read-only server (a replica before promotion).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import supertest from 'supertest';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { createPool, type Pool, type RowDataPacket } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import { migrate } from '../../src/db/migrate.js';
import { SERVER_URL, startTestApp, type TestApp } from '../helpers/app.js';
import { startPrivateMariadb, type PrivateMariadb } from '../helpers/private-mariadb.js';
import { count, createBook, stockOf } from '../helpers/orders.js';
import { createUser, csrfFrom, PASSWORD } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

/** An app on `databaseUrl` (its own pool), as a second instance would run. */
function appOn(databaseUrl: string, database: string, connections = 2) {
  const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: databaseUrl, SESSION_SECRET: 's'.repeat(32), JWT_SECRET: 'test-jwt-secret-that-is-long-enough-for-hs256-0123', UPLOAD_DIR: t.uploadDir, LOG_LEVEL: 'silent' });
  const pool = createPool(config.databaseUrl, connections);
  const bookstore = createApp({ config, pool, logger: createLogger('silent'), database });
  return { app: bookstore.app, pool, close: () => pool.end() };
}

/**
 * A TCP relay to MariaDB that can cut every open connection the way a failover does: the client
 * is not told, and its next packet is answered with a reset.
 */
async function relay(target: { host: string; port: number }) {
  const open = new Set<{ client: Socket; server: Socket; broken: boolean }>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    const pair = { client, server: upstream, broken: false };
    open.add(pair);
    client.on('data', (d) => (pair.broken ? client.resetAndDestroy() : upstream.write(d)));
    upstream.on('data', (d) => !pair.broken && client.write(d));
    const end = () => {
      open.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', () => !pair.broken && end()).on('error', end);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    /** Every connection open now dies silently; new ones work. */
    breakAll: () => {
      for (const pair of open) {
        pair.broken = true;
        pair.server.destroy();
      }
    },
    close: () => new Promise((r) => server.close(r)),
  };
}

describe('database trouble', () => {
  test('unreachable: pages are a 503 page with Retry-After, /api a JSON 503, /healthz says down, /ping answers', async () => {
    const dead = appOn('mysql://root@127.0.0.1:1/bookstore', 'bookstore');
    try {
      for (const path of ['/', '/book/catalog', '/book/1']) {
        const res = await supertest(dead.app).get(path).set('Accept-Language', 'en');
        assert.equal(res.status, 503, path);
        assert.equal(res.headers['retry-after'], '5');
        assert.match(res.text, /Temporarily unavailable/);
        assert.match(res.text, /try again in a moment/);
        assert.match(res.text, /<nav/, 'in the layout');
      }
      const api = await supertest(dead.app).post('/api/login').send({ email: 'a@example.com', password: 'whatever-password' });
      assert.equal(api.status, 503);
      assert.equal(api.headers['retry-after'], '5');
      assert.equal((api.body as { error: { status: number } }).error.status, 503);
      const health = await supertest(dead.app).get('/healthz');
      assert.equal(health.status, 503);
      assert.deepEqual(health.body, { db: 'down' });
      assert.equal((await supertest(dead.app).get('/ping')).status, 200);
    } finally {
      await dead.close();
    }
  });

  test('a read on a pooled connection that died is retried once on a fresh one; the page answers 200', async () => {
    const url = new URL(SERVER_URL);
    const proxy = await relay({ host: url.hostname, port: Number(url.port || 3306) });
    const app = appOn(`mysql://root@127.0.0.1:${proxy.port}/${t.db.name}`, t.db.name, 1);
    try {
      const seller = await createUser(t.pool);
      await createBook(t.pool, seller.id, { title: 'Survives a failover' });
      assert.equal((await supertest(app.app).get('/book/catalog')).status, 200); // the pool's one connection is open
      proxy.breakAll();
      const res = await supertest(app.app).get('/book/catalog');
      assert.equal(res.status, 200);
      assert.match(res.text, /Survives a failover/);
    } finally {
      await app.close();
      await proxy.close();
    }
  });

  test('a write on a connection that died is not retried: 503, and the user may retry it', async () => {
    const url = new URL(SERVER_URL);
    const proxy = await relay({ host: url.hostname, port: Number(url.port || 3306) });
    const app = appOn(`mysql://root@127.0.0.1:${proxy.port}/${t.db.name}`, t.db.name, 1);
    try {
      const seller = await createUser(t.pool);
      const book = await createBook(t.pool, seller.id, { stock: 3 });
      const buyer = await createUser(t.pool);
      const login = await supertest(app.app).post('/api/login').send({ email: buyer.email, password: PASSWORD });
      assert.equal(login.status, 200);
      const auth = { Authorization: `Bearer ${(login.body as { token: string }).token}` };
      proxy.breakAll();
      const first = await supertest(app.app).post(`/api/buy/${book}`).set(auth).set('Idempotency-Key', 'after-failover-0001').send({ quantity: 1 });
      assert.ok(first.status === 503 || first.status === 201, `answered ${first.status}`);
      const again = await supertest(app.app).post(`/api/buy/${book}`).set(auth).set('Idempotency-Key', 'after-failover-0001').send({ quantity: 1 });
      assert.equal(again.status, 201, again.text);
      // Whatever the first attempt did, the key made it one purchase and one copy.
      assert.equal(await count(t.pool, 'purchases', 'buyer_id = ?', [buyer.id]), 1);
      assert.equal(await stockOf(t.pool, book), 2);
    } finally {
      await app.close();
      await proxy.close();
    }
  });

  describe('a read-only server (a replica before promotion)', () => {
    // read_only is server-wide: a server of this test's own, never the shared one.
    let server: PrivateMariadb;
    let root: Pool;
    let app: ReturnType<typeof appOn>;
    const name = 'bookstore_read_only';
    const user = 'bookstore_app';
    before(async () => {
      server = await startPrivateMariadb();
      await migrate(`${server.url}/${name}`);
      root = createPool(`${server.url}/${name}`, 2);
      // The app's own account: root (SUPER, READ ONLY ADMIN) would write through read_only.
      for (const host of ['localhost', '127.0.0.1']) {
        await root.query('CREATE USER ?@? IDENTIFIED BY ?', [user, host, 'app-password']);
        await root.query('GRANT ALL ON ??.* TO ?@?', [name, user, host]);
      }
      app = appOn(`mysql://${user}:app-password@127.0.0.1:${server.port}/${name}`, name);
    });
    after(async () => {
      await app?.close();
      await root?.end();
      await server?.stop();
    });

    test('reads answer, writes are a 503 that changes nothing, /healthz says read-only', async () => {
      const seller = await createUser(root);
      const book = await createBook(root, seller.id, { title: 'Read while read-only', stock: 2 });
      const buyer = await createUser(root);
      const login = await supertest(app.app).post('/api/login').send({ email: buyer.email, password: PASSWORD });
      assert.equal(login.status, 200);
      const auth = { Authorization: `Bearer ${(login.body as { token: string }).token}` };
      await root.query('SET GLOBAL read_only = 1');
      const page = await supertest(app.app).get('/book/catalog');
      assert.equal(page.status, 200);
      assert.match(page.text, /Read while read-only/);
      const buy = await supertest(app.app).post(`/api/buy/${book}`).set(auth).send({ quantity: 1 });
      assert.equal(buy.status, 503, buy.text);
      assert.equal(buy.headers['retry-after'], '5');
      const wrong = await supertest(app.app).post('/api/login').send({ email: buyer.email, password: 'not the password at all' });
      assert.equal(wrong.status, 503, 'a failure that must be counted cannot be, so it is not a plain 401');
      const health = await supertest(app.app).get('/healthz');
      assert.equal(health.status, 503);
      assert.deepEqual(health.body, { db: 'read-only' });
      // Promoted: writable again, without restarting the app.
      await root.query('SET GLOBAL read_only = 0');
      assert.equal(await stockOf(root, book), 2);
      assert.equal(await count(root, 'purchases', 'buyer_id = ?', [buyer.id]), 0);
      assert.equal((await supertest(app.app).get('/healthz')).status, 200);
      assert.equal((await supertest(app.app).post(`/api/buy/${book}`).set(auth).send({ quantity: 1 })).status, 201);
      assert.equal(await stockOf(root, book), 1);
    });

    test('a visitor\'s first form while read-only: its POST is a 503 (the session could not be stored), not an expired form\'s 403', async () => {
      const visitor = supertest.agent(app.app);
      const email = `ro.${Date.now()}@example.com`;
      await root.query('SET GLOBAL read_only = 1');
      try {
        const form = await visitor.get('/register').set('Accept-Language', 'en');
        assert.equal(form.status, 200, 'the form is a page that reads nothing');
        const res = await visitor.post('/register').type('form').set('Accept-Language', 'en').send({ _csrf: csrfFrom(form.text), name: 'Ro', email, password: PASSWORD, password_confirm: PASSWORD });
        assert.equal(res.status, 503, res.text.slice(0, 200));
        assert.equal(res.headers['retry-after'], '5');
      } finally {
        await root.query('SET GLOBAL read_only = 0');
      }
      const [users] = await root.query<RowDataPacket[]>('SELECT id FROM users WHERE email = ?', [email]);
      assert.deepEqual(users, [], 'no account was made');
      // Writable, a form whose session holds no token is still refused as expired (403).
      const stranger = await supertest(app.app).post('/register').type('form').send({ _csrf: 'x'.repeat(64), name: 'Ro', email: 'ro@example.com', password: PASSWORD, password_confirm: PASSWORD });
      assert.equal(stranger.status, 403);
    });
  });
});
