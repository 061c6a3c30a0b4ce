import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { buyNow, createBook, csrfOf, purchaseIdFrom } from '../helpers/orders.js';
import { createUser, loggedInAgent, login } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

describe('admin pages', () => {
  test('every admin page and action is refused to a regular user (403) and to visitors (login)', async () => {
    const { agent } = await loggedInAgent(t);
    const victim = await createUser(t.pool);
    for (const path of ['/admin/users', '/admin/purchases', '/admin/delivery_providers', '/admin/delivery_providers/1']) {
      assert.equal((await agent.get(path)).status, 403, path);
      assert.equal((await t.agent().get(path)).status, 302, path);
    }
    const csrf = await csrfOf(agent);
    for (const [path, body] of [
      [`/admin/users/${victim.id}/role`, { role: 'admin' }],
      [`/admin/users/${victim.id}/disable`, {}],
      ['/admin/delivery_providers', { name: 'Hacker Post', coverage: 'X', cost: '0.01', delivery_hours: '1' }],
      ['/admin/delivery_providers/1', { name: 'Hacked', coverage: 'X', cost: '0.01', delivery_hours: '1' }],
      ['/admin/delivery_providers/1/retire', {}],
    ] as const) {
      assert.equal((await agent.post(path).type('form').send({ _csrf: csrf, ...body })).status, 403, path);
    }
    const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT role, disabled_at FROM users WHERE id = ?', [victim.id]);
    assert.deepEqual({ ...rows[0] }, { role: 'user', disabled_at: null });
    const [providers] = await t.pool.query<RowDataPacket[]>("SELECT COUNT(*) AS n FROM delivery_providers WHERE name IN ('Hacker Post', 'Hacked') OR retired_at IS NOT NULL");
    assert.equal(Number(providers[0]?.n), 0);
  });

  test('an admin changes a role and disables an account: its sessions end and it cannot log in', async () => {
    const admin = await loggedInAgent(t, { role: 'admin' });
    const member = await loggedInAgent(t, { name: 'Soon Disabled' });
    assert.equal((await member.agent.get('/purchases')).status, 200);
    const page = await admin.agent.get('/admin/users');
    assert.equal(page.status, 200);
    assert.match(page.text, /Soon Disabled/);
    assert.match(page.text, /Make admin/);
    assert.match(page.text, /data-confirm="Disable [^"]+\? They are logged out at once\."/);
    const spanish = await admin.agent.get('/admin/users').set('Accept-Language', 'es-CO');
    assert.match(spanish.text, /<h1>Cuentas<\/h1>/);
    assert.match(spanish.text, /Hacer administrador/);
    assert.match(spanish.text, /data-confirm="¿Deshabilitar [^"]+\? Su sesión se cierra de inmediato\."/);
    assert.match(spanish.text, /Fecha de registro/);
    assert.doesNotMatch(spanish.text, /Make admin|Disabling an account|>Active<|>Joined</);
    const csrf = await csrfOf(admin.agent);

    const promoted = await admin.agent.post(`/admin/users/${member.user.id}/role`).type('form').send({ _csrf: csrf, role: 'admin' });
    assert.equal(promoted.status, 302);
    assert.equal((await member.agent.get('/admin/users')).status, 200, 'the new role applies at once');
    await admin.agent.post(`/admin/users/${member.user.id}/role`).type('form').send({ _csrf: csrf, role: 'user' });
    assert.equal((await member.agent.get('/admin/users')).status, 403);
    assert.equal((await admin.agent.post(`/admin/users/${member.user.id}/role`).type('form').send({ _csrf: csrf, role: 'root' })).status, 422);

    const disabled = await admin.agent.post(`/admin/users/${member.user.id}/disable`).type('form').send({ _csrf: csrf });
    assert.equal(disabled.status, 302);
    const after = await member.agent.get('/purchases');
    assert.equal(after.status, 302, 'the disabled account was logged out');
    assert.match(after.headers.location ?? '', /^\/login/);
    const again = await login(t.agent(), member.user.email);
    assert.equal(again.status, 401);
    assert.equal((await admin.agent.post(`/admin/users/${member.user.id}/disable`).type('form').send({ _csrf: csrf })).status, 409);

    // An admin cannot lock themselves out.
    assert.equal((await admin.agent.post(`/admin/users/${admin.user.id}/disable`).type('form').send({ _csrf: csrf })).status, 409);
    assert.equal((await admin.agent.post(`/admin/users/${admin.user.id}/role`).type('form').send({ _csrf: csrf, role: 'user' })).status, 409);
    assert.equal((await admin.agent.post('/admin/users/999999/disable').type('form').send({ _csrf: csrf })).status, 404);

    assert.equal((await admin.agent.post(`/admin/users/${member.user.id}/enable`).type('form').send({ _csrf: csrf })).status, 302);
    assert.equal((await login(t.agent(), member.user.email)).status, 302);
  });

  test('delivery providers: create, validate, edit, retire (no longer offered) and restore', async () => {
    const admin = await loggedInAgent(t, { role: 'admin' });
    const csrf = await csrfOf(admin.agent);
    const bad = await admin.agent.post('/admin/delivery_providers').type('form').send({ _csrf: csrf, name: '', coverage: 'Local', cost: 'free', delivery_hours: '0' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /Enter a name/);
    assert.match(bad.text, /cost in dollars/);
    assert.match(bad.text, /between 1 and 2000/);
    const dup = await admin.agent.post('/admin/delivery_providers').type('form').send({ _csrf: csrf, name: 'DHL', coverage: 'Everywhere', cost: '1', delivery_hours: '5' });
    assert.equal(dup.status, 422);
    assert.match(dup.text, /already exists/);

    const created = await admin.agent.post('/admin/delivery_providers').type('form').send({ _csrf: csrf, name: 'Bike Courier', coverage: 'City', cost: '7.5', delivery_hours: '6' });
    assert.equal(created.status, 302);
    const [[row]] = (await t.pool.query("SELECT id, cost_cents, delivery_hours FROM delivery_providers WHERE name = 'Bike Courier'")) as unknown as [[{ id: number; cost_cents: number; delivery_hours: number }]];
    assert.equal(row.cost_cents, 750);
    const list = await admin.agent.get('/admin/delivery_providers');
    assert.match(list.text, /Bike Courier/);
    assert.match(list.text, /\$7\.50/);

    assert.equal((await admin.agent.get(`/admin/delivery_providers/${row.id}`)).status, 200);
    const edited = await admin.agent.post(`/admin/delivery_providers/${row.id}`).type('form').send({ _csrf: csrf, name: 'Bike Courier', coverage: 'City centre', cost: '8.00', delivery_hours: '4' });
    assert.equal(edited.status, 302);
    assert.equal((await admin.agent.get('/admin/delivery_providers/999999')).status, 404);

    // A buyer sees it while offered, not once retired.
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { stock: 5 });
    const buyer = await loggedInAgent(t);
    const id = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);
    assert.match((await buyer.agent.get(`/delivery/${id}`)).text, /Bike Courier/);
    assert.equal((await admin.agent.post(`/admin/delivery_providers/${row.id}/retire`).type('form').send({ _csrf: csrf })).status, 302);
    assert.doesNotMatch((await buyer.agent.get(`/delivery/${id}`)).text, /Bike Courier/);
    assert.equal((await admin.agent.post(`/admin/delivery_providers/${row.id}/retire`).type('form').send({ _csrf: csrf })).status, 409);
    assert.equal((await admin.agent.post(`/admin/delivery_providers/${row.id}/restore`).type('form').send({ _csrf: csrf })).status, 302);
    assert.match((await buyer.agent.get(`/delivery/${id}`)).text, /Bike Courier/);
  });

  test('all purchases, filtered by status', async () => {
    const admin = await loggedInAgent(t, { role: 'admin' });
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { title: 'Filtered Title', stock: 5 });
    const buyer = await loggedInAgent(t);
    const id = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);
    const all = await admin.agent.get('/admin/purchases');
    assert.equal(all.status, 200);
    assert.match(all.text, new RegExp(`#${id}<`));
    assert.match((await admin.agent.get('/admin/purchases?status=pending_payment')).text, /Filtered Title/);
    assert.doesNotMatch((await admin.agent.get('/admin/purchases?status=paid')).text, /Filtered Title/);
    assert.equal((await admin.agent.get('/admin/purchases?status=bogus&page=x')).status, 200);
  });
});
