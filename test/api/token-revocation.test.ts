// The monolith's side of issue 21, item 2: the same rule as in the services (currentAccount asks
// accounts' port), where the port is in-process, so a disabled account's, a demoted admin's or an
// old password's token is refused at the very next call. test/services/revocation.services.ts
// proves the services' bound.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createUser, csrfToken, loggedInAgent, PASSWORD } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

async function tokenFor(email: string, password = PASSWORD): Promise<string> {
  const res = await t.agent().post('/api/login').send({ email, password });
  assert.equal(res.status, 200, res.text);
  return (res.body as { token: string }).token;
}
const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

describe('API tokens in the monolith follow the account at once', () => {
  test('disabled by an admin, demoted, or after a password change: the next call is refused', async () => {
    const { agent: admin } = await loggedInAgent(t, { role: 'admin' });
    const seller = await createUser(t.pool);
    const listed = await t.agent().post('/api/add_book').set(bearer(await tokenFor(seller.email))).send({ title: 'Kindred', author: 'Octavia E. Butler', condition: 'good', price: '14.00', stock: 3 });
    assert.equal(listed.status, 201, listed.text);
    const bookId = (listed.body as { book: { id: number } }).book.id;

    // Disabled.
    const dee = await createUser(t.pool);
    const deeToken = await tokenFor(dee.email);
    assert.equal((await t.agent().get('/api/my_books').set(bearer(deeToken))).status, 200);
    const off = await admin.post(`/admin/users/${dee.id}/disable`).type('form').send({ _csrf: await csrfToken(admin, '/admin/users') });
    assert.equal(off.status, 302);
    assert.equal((await t.agent().get('/api/my_books').set(bearer(deeToken))).status, 401);
    assert.equal((await t.agent().post(`/api/buy/${bookId}`).set(bearer(deeToken)).send({ quantity: 1 })).status, 401);

    // Demoted: another buyer's purchase is no longer readable.
    const buyer = await createUser(t.pool);
    const bought = await t.agent().post(`/api/buy/${bookId}`).set(bearer(await tokenFor(buyer.email))).send({ quantity: 1 });
    assert.equal(bought.status, 201, bought.text);
    const purchaseId = (bought.body as { purchase: { id: number } }).purchase.id;
    const otto = await createUser(t.pool, { role: 'admin' });
    const ottoToken = await tokenFor(otto.email);
    assert.equal((await t.agent().get(`/api/purchases/${purchaseId}`).set(bearer(ottoToken))).status, 200);
    const demoted = await admin.post(`/admin/users/${otto.id}/role`).type('form').send({ _csrf: await csrfToken(admin, '/admin/users'), role: 'user' });
    assert.equal(demoted.status, 302);
    assert.equal((await t.agent().get(`/api/purchases/${purchaseId}`).set(bearer(ottoToken))).status, 403);
    assert.equal((await t.agent().get('/api/purchases').set(bearer(ottoToken))).status, 200, 'still a valid user');

    // A password change.
    const { agent: pat, user } = await loggedInAgent(t);
    const patToken = await tokenFor(user.email);
    const NEW_PASSWORD = 'a brand new and long passphrase';
    const changed = await pat.post('/account/password').type('form').send({ _csrf: await csrfToken(pat, '/account'), current_password: PASSWORD, password: NEW_PASSWORD, password_confirm: NEW_PASSWORD });
    assert.equal(changed.status, 302, changed.text.slice(0, 200));
    assert.equal((await t.agent().get('/api/my_books').set(bearer(patToken))).status, 401);
    assert.equal((await t.agent().get('/api/my_books').set(bearer(await tokenFor(user.email, NEW_PASSWORD)))).status, 200);
  });
});
