// What an address field may hold, on every way in (the address book form, the API's buy and
// delivery): a country that is a key of Object.prototype is "choose a country", never a 500; control,
// format and line/paragraph separator characters are refused, a required field needs a letter or a
// digit, and the phone's separators are plain spaces. Each refusal stores nothing.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ADDRESS, createBook, providerIds } from '../helpers/orders.js';
import { csrfToken, loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

type Agent = Awaited<ReturnType<typeof loggedInAgent>>['agent'];

async function addressCount(userId: number): Promise<number> {
  const [r] = await t.pool.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM addresses WHERE user_id = ?', [userId]);
  return Number(r[0]?.n);
}

async function purchaseCount(userId: number): Promise<number> {
  const [r] = await t.pool.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM purchases WHERE buyer_id = ?', [userId]);
  return Number(r[0]?.n);
}

async function apiAuth(email: string, password: string) {
  const login = await t.agent().post('/api/login').send({ email, password });
  assert.equal(login.status, 200, login.text);
  return { Authorization: `Bearer ${(login.body as { token: string }).token}` };
}

/** A shopper with a web session, an API token, a book to buy and a pending purchase (for the delivery step). */
async function shopper() {
  const seller = await loggedInAgent(t);
  const book = await createBook(t.pool, seller.user.id, { stock: 100 });
  const { agent, user } = await loggedInAgent(t);
  const auth = await apiAuth(user.email, user.password);
  const pending = await t.agent().post(`/api/buy/${book}`).set(auth).send({ quantity: 1 });
  assert.equal(pending.status, 201, pending.text);
  const purchaseId = (pending.body as { purchase: { id: number } }).purchase.id;
  const [provider] = await providerIds(t.pool);
  return { agent, user, auth, book, purchaseId, providerId: provider!.id };
}

async function addByForm(agent: Agent, fields: Record<string, string>) {
  return agent.post('/account/addresses').type('form').send({ _csrf: await csrfToken(agent, '/account'), ...ADDRESS, ...fields });
}

type Shopper = Awaited<ReturnType<typeof shopper>>;

/** The same address three ways: the form, an API buy and an API delivery choice. Each is refused on `field` with `message`. */
async function refusedEverywhere(s: Shopper, fields: Record<string, string>, field: string, message: RegExp) {
  const label = JSON.stringify(fields);
  const form = await addByForm(s.agent, fields);
  assert.equal(form.status, 422, `form ${label}: ${form.status}`);
  assert.match(form.text, message, `form ${label}`);

  const address = { ...ADDRESS, ...fields };
  const buy = await t.agent().post(`/api/buy/${s.book}`).set(s.auth).send({ quantity: 1, address });
  assert.equal(buy.status, 422, `buy ${label}: ${buy.text}`);
  const buyFields = (buy.body as { error: { fields?: Record<string, string> } }).error.fields ?? {};
  assert.match(buyFields[field] ?? '', message, `buy ${label}: ${buy.text}`);

  const delivery = await t.agent().post(`/api/delivery/${s.purchaseId}`).set(s.auth).send({ provider_id: s.providerId, address });
  assert.equal(delivery.status, 422, `delivery ${label}: ${delivery.text}`);
  assert.match((delivery.body as { error: { fields?: Record<string, string> } }).error.fields?.[field] ?? '', message, `delivery ${label}`);

  assert.equal(await addressCount(s.user.id), 0, `nothing stored for ${label}`);
  assert.equal(await purchaseCount(s.user.id), 1, `no purchase made for ${label}`);
}

describe('address input', () => {
  test('every key of Object.prototype as the country (with a postal code): 422 "choose a country", never a 500, nothing stored', async () => {
    const s = await shopper();
    for (const key of Object.getOwnPropertyNames(Object.prototype)) {
      await refusedEverywhere(s, { country: key, postal_code: '12345' }, 'country', /Choose a country from the list\./);
    }
  });

  const INVISIBLE = /Use only visible characters: no line breaks, tabs or invisible characters\./;
  const NEEDS_LETTER = /Enter at least one letter or digit\./;
  const PHONE = /Enter a phone number of 7 to 15 digits, like \+57 300 123 4567\./;
  const TAGS = (n: number) => Array.from({ length: n }, (_, i) => String.fromCodePoint(0xe0041 + (i % 26))).join('');

  const cases: [string, Record<string, string>, string, RegExp][] = [
    ['NUL in the recipient', { recipient: 'Bea\u0000Buyer' }, 'recipient', INVISIBLE],
    ['CR/LF in the street', { line1: 'Calle 10\r\nBcc: x' }, 'line1', INVISIBLE],
    ['a tab in the city', { city: 'Medell\tín' }, 'city', INVISIBLE],
    ['U+202E bidi override in the city', { city: 'Medell\u202ení' }, 'city', INVISIBLE],
    ['120 zero-width spaces as line2', { line2: '\u200b'.repeat(120) }, 'line2', INVISIBLE],
    ['40 invisible tag characters (80 UTF-16 units) as the region', { region: TAGS(40) }, 'region', INVISIBLE],
    ['U+2028 line separator in the region', { region: 'Anti\u2028oquia' }, 'region', INVISIBLE],
    ['U+2029 paragraph separator in the street', { line1: 'Calle 10\u2029# 43-12' }, 'line1', INVISIBLE],
    ['a BOM inside the postal code', { postal_code: '050\ufeff021' }, 'postal_code', INVISIBLE],
    ['only punctuation as the recipient', { recipient: '-- .. --' }, 'recipient', NEEDS_LETTER],
    ['only spaces and symbols as the city', { city: '# * #' }, 'city', NEEDS_LETTER],
    ['U+2028 in the phone', { phone: '+57\u2028300 123 4567' }, 'phone', INVISIBLE],
    ['NBSP in the phone', { phone: '+57\u00a0300 123 4567' }, 'phone', PHONE],
    ['U+3000 in the phone', { phone: '+57\u3000300\u3000123 4567' }, 'phone', PHONE],
  ];
  for (const [name, fields, field, message] of cases) {
    test(`${name}: refused on the form (422 with its message) and the API (422 on the field), nothing stored`, async () => {
      await refusedEverywhere(await shopper(), fields, field, message);
    });
  }

  test('the messages are in Spanish on a Spanish page', async () => {
    const { agent } = await loggedInAgent(t);
    const res = await agent.post('/account/addresses').set('Accept-Language', 'es').type('form').send({ _csrf: await csrfToken(agent, '/account'), ...ADDRESS, line1: 'a\u200bb', city: '...' });
    assert.equal(res.status, 422);
    assert.match(res.text, /Usa solo caracteres visibles/);
    assert.match(res.text, /Escribe al menos una letra o un número\./);
  });

  test('real addresses still pass: accents, apostrophes, ñ, NBSP inside a name, phone with spaces, dots, dashes and parentheses', async () => {
    const { agent, user } = await loggedInAgent(t);
    const ok = await addByForm(agent, { recipient: 'Zoë O’Neil Núñez', line1: 'Cra. 7 # 71-21, Torre B', line2: 'Piso 3 · Of. 301', city: 'Bogotá\u00a0D.C.', region: 'Cundinamarca', postal_code: '110231', phone: '+57 (300) 123-45.67' });
    assert.equal(ok.status, 302, ok.text);
    assert.equal(await addressCount(user.id), 1);
  });
});
