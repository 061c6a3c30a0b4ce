// The address book on /account: add, edit, delete, default, at most 5, field errors with 422 keeping
// what was typed, and another account's address id a 404 that changes nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ADDRESS } from '../helpers/orders.js';
import { csrfToken, loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

async function rows(userId: number) {
  const [r] = await t.pool.execute<RowDataPacket[]>('SELECT id, recipient, city, postal_code, country, is_default FROM addresses WHERE user_id = ? ORDER BY id', [userId]);
  return r.map((x) => ({ id: x.id as number, recipient: x.recipient as string, city: x.city as string, postal: x.postal_code as string, country: x.country as string, isDefault: x.is_default === 1 }));
}

type Agent = Awaited<ReturnType<typeof loggedInAgent>>['agent'];
async function add(agent: Agent, fields: Record<string, string> = {}) {
  return agent.post('/account/addresses').type('form').send({ _csrf: await csrfToken(agent, '/account'), ...ADDRESS, ...fields });
}

describe('the address book', () => {
  test('add: the first is the default, shown on /account; more can be added, one made the default', async () => {
    const { agent, user } = await loggedInAgent(t);
    const empty = await agent.get('/account');
    assert.equal(empty.status, 200);
    assert.match(empty.text, /No addresses yet/);

    const first = await add(agent);
    assert.equal(first.status, 302);
    assert.equal(first.headers.location, '/account#addresses');
    const page = await agent.get('/account');
    assert.match(page.text, /Calle 10 # 43-12/);
    assert.match(page.text, /Medellín, Antioquia 050021/);
    assert.match(page.text, /Colombia/);
    assert.match(page.text, /Default/);

    await add(agent, { recipient: 'Second Person', city: 'Cali', region: 'Valle del Cauca', postal_code: '', make_default: '1' });
    const list = await rows(user.id);
    assert.deepEqual(list.map((a) => [a.recipient, a.isDefault, a.postal]), [['Bea Buyer', false, '050021'], ['Second Person', true, '']]);
  });

  test('field errors: 422, every message at once, what was typed kept, nothing stored', async () => {
    const { agent, user } = await loggedInAgent(t);
    const res = await add(agent, { recipient: '', phone: 'call me', country: 'US', postal_code: '1234', city: 'x'.repeat(81), line1: '<script>alert(1)</script>' });
    assert.equal(res.status, 422);
    assert.match(res.text, /Enter the name of the person who receives the parcel\./);
    assert.match(res.text, /Enter a phone number of 7 to 15 digits/);
    assert.match(res.text, /This postal code does not match the country\./);
    assert.match(res.text, /Use at most 80 characters\./);
    assert.match(res.text, /value="call me"/, 'what was typed comes back');
    assert.match(res.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt;/);
    assert.match(res.text, /<option value="US" selected>/);
    assert.deepEqual(await rows(user.id), []);

    const required = await add(agent, { country: 'US', postal_code: '' });
    assert.equal(required.status, 422);
    assert.match(required.text, /Enter the postal code\./);
    const unknownCountry = await add(agent, { country: 'ZZ' });
    assert.equal(unknownCountry.status, 422);
    assert.match(unknownCountry.text, /Choose a country from the list\./);
    assert.equal((await add(agent, { country: 'US', postal_code: '10001-1234', phone: '+1 (212) 555-0100' })).status, 302);
    assert.equal((await add(agent, { country: 'CA', postal_code: 'k1a 0b1' })).status, 302);
    assert.deepEqual((await rows(user.id)).map((a) => a.postal), ['10001-1234', 'K1A 0B1']);
  });

  test('edit and delete; deleting the default makes the oldest left the default', async () => {
    const { agent, user } = await loggedInAgent(t);
    await add(agent);
    await add(agent, { recipient: 'Other', city: 'Cali' });
    const [a, b] = await rows(user.id);
    const edit = await agent.get(`/account/addresses/${a!.id}`);
    assert.equal(edit.status, 200);
    assert.match(edit.text, /value="Calle 10 # 43-12"/);
    const bad = await agent.post(`/account/addresses/${a!.id}`).type('form').send({ _csrf: await csrfToken(agent, '/account'), ...ADDRESS, city: '' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /Enter the city\./);
    const saved = await agent.post(`/account/addresses/${a!.id}`).type('form').send({ _csrf: await csrfToken(agent, '/account'), ...ADDRESS, city: 'Envigado' });
    assert.equal(saved.status, 302);
    assert.equal((await rows(user.id))[0]?.city, 'Envigado');

    const del = await agent.post(`/account/addresses/${a!.id}/delete`).type('form').send({ _csrf: await csrfToken(agent, '/account') });
    assert.equal(del.status, 302);
    assert.deepEqual(await rows(user.id), [{ id: b!.id, recipient: 'Other', city: 'Cali', postal: '050021', country: 'CO', isDefault: true }]);
  });

  test('at most 5: the sixth is refused (409) and the form is no longer offered', async () => {
    const { agent, user } = await loggedInAgent(t);
    for (let i = 0; i < 5; i++) assert.equal((await add(agent, { recipient: `Person ${i}` })).status, 302);
    const page = await agent.get('/account');
    assert.doesNotMatch(page.text, /Add the address/);
    assert.match(page.text, /You have 5 addresses/);
    const sixth = await add(agent, { recipient: 'Too many' });
    assert.equal(sixth.status, 409);
    assert.match(sixth.text, /You already have 5 addresses/);
    assert.equal((await rows(user.id)).length, 5);
  });

  test("another account's address: edit, delete, default are 404 and change nothing; no CSRF token is 403", async () => {
    const owner = await loggedInAgent(t);
    const other = await loggedInAgent(t);
    await add(owner.agent);
    await add(owner.agent, { recipient: 'Second' });
    const before = await rows(owner.user.id);
    const id = before[1]!.id;
    const token = await csrfToken(other.agent, '/account');
    assert.equal((await other.agent.get(`/account/addresses/${id}`)).status, 404);
    assert.equal((await other.agent.post(`/account/addresses/${id}`).type('form').send({ _csrf: token, ...ADDRESS, city: 'Hacked' })).status, 404);
    assert.equal((await other.agent.post(`/account/addresses/${id}/default`).type('form').send({ _csrf: token })).status, 404);
    assert.equal((await other.agent.post(`/account/addresses/${id}/delete`).type('form').send({ _csrf: token })).status, 404);
    assert.equal((await other.agent.get('/account/addresses/abc')).status, 404);
    assert.equal((await owner.agent.post('/account/addresses').type('form').send({ ...ADDRESS })).status, 403);
    assert.deepEqual(await rows(owner.user.id), before);
    assert.deepEqual(await rows(other.user.id), []);
    const anonymous = await t.agent().get(`/account/addresses/${id}`);
    assert.equal(anonymous.status, 302);
  });
});
