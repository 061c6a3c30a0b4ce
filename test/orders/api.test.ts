import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { count, createBook, providerIds, stockOf } from '../helpers/orders.js';
import { createUser, csrfToken, loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

async function tokenFor(email: string): Promise<string> {
  const res = await t.agent().post('/api/login').send({ email, password: 'correct horse battery staple' });
  assert.equal(res.status, 200, res.text);
  return (res.body as { token: string }).token;
}

async function apiUser(role: 'user' | 'admin' = 'user') {
  const user = await createUser(t.pool, { role });
  const token = await tokenFor(user.email);
  const auth = { Authorization: `Bearer ${token}` };
  return { user, auth };
}

const ADDRESS = { recipient: 'Ana Api', line1: 'Carrera 7 # 71-21', line2: 'Torre B', city: 'Bogotá', region: 'Cundinamarca', postal_code: '110231', country: 'CO', phone: '3001234567' };

async function addressRows(userId: number): Promise<string[]> {
  const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT recipient FROM addresses WHERE user_id = ? ORDER BY id', [userId]);
  return rows.map((r) => r.recipient as string);
}

async function idempotencyRows(): Promise<number> {
  const [rows] = await t.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM api_idempotency');
  return Number(rows[0]?.n);
}

describe('orders JSON API', () => {
  test('buy → delivery → payment with bearer tokens; prices from the database; the same rules as the pages', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { priceCents: 1999, stock: 2 });
    const { auth } = await apiUser();
    const api = t.agent();

    const providers = await api.get('/api/delivery_providers').set(auth);
    assert.equal(providers.status, 200);
    const provider = (providers.body as { providers: { id: number; costCents: number }[] }).providers[0]!;

    const address = { recipient: 'Ana Api', line1: 'Carrera 7 # 71-21', city: 'Bogotá', region: 'Cundinamarca', postal_code: '110231', country: 'CO', phone: '3001234567' };
    const bought = await api.post(`/api/buy/${book}`).set(auth).send({ quantity: 1, price_cents: 1, unit_price_cents: 1, address });
    assert.equal(bought.status, 201, bought.text);
    assert.deepEqual((bought.body as { purchase: { shippingAddress: Record<string, unknown> } }).purchase.shippingAddress, {
      addressId: (bought.body as { purchase: { shippingAddress: { addressId: number } } }).purchase.shippingAddress.addressId,
      recipient: 'Ana Api',
      line1: 'Carrera 7 # 71-21',
      line2: '',
      city: 'Bogotá',
      region: 'Cundinamarca',
      postalCode: '110231',
      country: 'CO',
      phone: '3001234567',
    });
    const purchase = (bought.body as { purchase: { id: number; itemsCents: number; status: string } }).purchase;
    assert.equal(purchase.itemsCents, 1999);
    assert.equal(purchase.status, 'pending_payment');
    assert.equal(await stockOf(t.pool, book), 1);

    const early = await api.post(`/api/payment/${purchase.id}`).set(auth).send({ method: 'paypal', paypal_email: 'a@example.com' });
    assert.equal(early.status, 409);
    const chosen = await api.post(`/api/delivery/${purchase.id}`).set(auth).send({ provider_id: provider.id, cost_cents: 0 });
    assert.equal(chosen.status, 200);
    assert.equal((chosen.body as { purchase: { totalCents: number } }).purchase.totalCents, 1999 + provider.costCents);

    const declined = await api.post(`/api/payment/${purchase.id}`).set(auth).send({ method: 'credit_card', card_number: '4000000000000002', card_expiry: '12/39', card_cvv: '123' });
    assert.equal(declined.status, 402);
    const invalid = await api.post(`/api/payment/${purchase.id}`).set(auth).send({ method: 'credit_card', card_number: '1234', card_expiry: '1/2', card_cvv: 'x' });
    assert.equal(invalid.status, 422);
    assert.ok((invalid.body as { error: { fields: Record<string, string> } }).error.fields.card_number);

    const paid = await api.post(`/api/payment/${purchase.id}`).set(auth).send({ method: 'credit_card', card_number: '4242424242424242', card_expiry: '12/39', card_cvv: '123', amount_cents: 1 });
    assert.equal(paid.status, 201, paid.text);
    const body = paid.body as { purchase: { status: string; payment: { amountCents: number; cardLast4: string } }; trackingNumber: string };
    assert.equal(body.purchase.status, 'paid');
    assert.equal(body.purchase.payment.amountCents, 1999 + provider.costCents);
    assert.equal(body.purchase.payment.cardLast4, '4242');
    assert.match(body.trackingNumber, /^BS[A-Z0-9]{10}$/);
    assert.equal((await api.post(`/api/payment/${purchase.id}`).set(auth).send({ method: 'paypal', paypal_email: 'a@example.com' })).status, 409);

    const list = await api.get('/api/purchases').set(auth);
    assert.equal(list.status, 200);
    assert.equal((list.body as { total: number }).total, 1);
    assert.equal((await api.get(`/api/purchases/${purchase.id}`).set(auth)).status, 200);
  });

  test('another user gets 403, unknown ids 404, no token or a session cookie 401, text bodies 415', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { stock: 3 });
    const owner = await apiUser();
    const other = await apiUser();
    const api = t.agent();
    const bought = await api.post(`/api/buy/${book}`).set(owner.auth).send({ quantity: 1 });
    const id = (bought.body as { purchase: { id: number } }).purchase.id;
    const [provider] = await providerIds(t.pool);

    assert.equal((await api.get(`/api/purchases/${id}`).set(other.auth)).status, 403);
    assert.equal((await api.post(`/api/delivery/${id}`).set(other.auth).send({ provider_id: provider!.id })).status, 403);
    assert.equal((await api.post(`/api/payment/${id}`).set(other.auth).send({ method: 'paypal', paypal_email: 'x@example.com' })).status, 403);
    assert.equal((await api.get('/api/purchases/999999').set(owner.auth)).status, 404);
    assert.equal((await api.post('/api/buy/999999').set(owner.auth).send({ quantity: 1 })).status, 404);
    assert.equal((await api.post(`/api/buy/${book}`).set(owner.auth).send({ quantity: 0 })).status, 422);
    assert.equal((await api.post(`/api/buy/${book}`).set(owner.auth).send({ quantity: 9 })).status, 409);
    assert.equal((await api.post(`/api/buy/${book}`).set(owner.auth).type('text/plain').send('quantity=1')).status, 415);
    const ownBook = await createBook(t.pool, owner.user.id);
    assert.equal((await api.post(`/api/buy/${ownBook}`).set(owner.auth).send({ quantity: 1 })).status, 403);

    assert.equal((await api.get('/api/purchases')).status, 401);
    assert.equal((await api.get('/api/purchases').set({ Authorization: 'Bearer not.a.token' })).status, 401);
    const web = await loggedInAgent(t);
    assert.equal((await web.agent.get('/api/purchases')).status, 401, 'a session cookie does not authenticate the API');
    assert.equal(await stockOf(t.pool, book), 2);
  });

  test('Idempotency-Key: a retried POST replays the first answer; the key with another body is 422', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { stock: 5 });
    const { auth, user } = await apiUser();
    const api = t.agent();
    const key = 'retry-key-0001';
    const first = await api.post(`/api/buy/${book}`).set(auth).set('Idempotency-Key', key).send({ quantity: 2 });
    assert.equal(first.status, 201);
    const retry = await api.post(`/api/buy/${book}`).set(auth).set('Idempotency-Key', key).send({ quantity: 2 });
    assert.equal(retry.status, 201);
    assert.equal(retry.headers['idempotent-replayed'], 'true');
    assert.deepEqual(retry.body, first.body);
    assert.equal(await stockOf(t.pool, book), 3);
    assert.equal(await count(t.pool, 'purchases', 'buyer_id = ?', [user.id]), 1);

    const reused = await api.post(`/api/buy/${book}`).set(auth).set('Idempotency-Key', key).send({ quantity: 1 });
    assert.equal(reused.status, 422);
    assert.equal((await api.post(`/api/buy/${book}`).set(auth).set('Idempotency-Key', 'bad key!').send({ quantity: 1 })).status, 400);

    // Concurrent retries: one purchase.
    const burst = await Promise.all(Array.from({ length: 5 }, () => api.post(`/api/buy/${book}`).set(auth).set('Idempotency-Key', 'burst-key-0001').send({ quantity: 1 })));
    assert.equal(burst.filter((r) => r.status === 201).length >= 1, true);
    assert.ok(burst.every((r) => r.status === 201 || r.status === 409));
    assert.equal(await stockOf(t.pool, book), 2);
  });

  test('a 10,000-deep JSON body with an Idempotency-Key is a 400 on every POST, and nothing is written', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { priceCents: 900, stock: 3 });
    const { user, auth } = await apiUser();
    const api = t.agent();
    const bought = await api.post(`/api/buy/${book}`).set(auth).send({ quantity: 1 });
    assert.equal(bought.status, 201);
    const purchaseId = (bought.body as { purchase: { id: number } }).purchase.id;
    const deep = `{"quantity":${'['.repeat(10_000)}1${']'.repeat(10_000)}}`;
    assert.ok(deep.length > 20_000);
    const keysBefore = await idempotencyRows();
    for (const path of [`/api/buy/${book}`, `/api/delivery/${purchaseId}`, `/api/payment/${purchaseId}`]) {
      const res = await api.post(path).set(auth).set('Idempotency-Key', `deep-body-${path.length}-${purchaseId}`).type('application/json').send(deep);
      assert.equal(res.status, 400, `${path}: ${res.text}`);
      assert.match((res.body as { error: { message: string } }).error.message, /nested too deeply/);
    }
    assert.equal(await idempotencyRows(), keysBefore);
    assert.equal(await count(t.pool, 'purchases', 'buyer_id = ?', [user.id]), 1);
    assert.equal(await count(t.pool, 'deliveries', 'purchase_id = ?', [purchaseId]), 0);
    assert.equal(await count(t.pool, 'payments', 'purchase_id = ?', [purchaseId]), 0);
    assert.equal(await stockOf(t.pool, book), 2);
    assert.ok(!t.logs.join('\n').includes('Maximum call stack'));
  });
  test('GET /api/purchases/:id: the whole address for the buyer and, once paid, a seller of its books; an administrator gets city and country', async () => {
    const admin = await apiUser('admin');
    const sellerAdmin = await apiUser('admin');
    const buyer = await apiUser();
    const book = await createBook(t.pool, sellerAdmin.user.id, { stock: 2 });
    const api = t.agent();
    const bought = await api.post(`/api/buy/${book}`).set(buyer.auth).send({ quantity: 1, address: ADDRESS });
    assert.equal(bought.status, 201, bought.text);
    const id = (bought.body as { purchase: { id: number } }).purchase.id;
    type Shown = { purchase: { shippingAddress: Record<string, unknown> | null } };
    const shown = async (auth: Record<string, string>) => {
      const res = await api.get(`/api/purchases/${id}`).set(auth);
      assert.equal(res.status, 200, res.text);
      return (res.body as Shown).purchase.shippingAddress;
    };
    const full = await shown(buyer.auth);
    assert.equal(full?.recipient, 'Ana Api');
    assert.equal(full?.line1, 'Carrera 7 # 71-21');
    assert.equal(full?.phone, '3001234567');
    assert.deepEqual(await shown(admin.auth), { city: 'Bogotá', country: 'CO' });
    assert.deepEqual(await shown(sellerAdmin.auth), { city: 'Bogotá', country: 'CO' }, 'a seller sees the address only once the purchase is paid');

    const [provider] = await providerIds(t.pool);
    assert.equal((await api.post(`/api/delivery/${id}`).set(buyer.auth).send({ provider_id: provider!.id })).status, 200);
    assert.equal((await api.post(`/api/payment/${id}`).set(buyer.auth).send({ method: 'paypal', paypal_email: 'ana@example.com' })).status, 201);
    assert.deepEqual(await shown(admin.auth), { city: 'Bogotá', country: 'CO' });
    assert.equal((await shown(sellerAdmin.auth))?.phone, '3001234567', 'the seller of a paid item sees where to send it, as on /sales');
    assert.deepEqual(await shown(buyer.auth), full);
  });

  test('a buy that cannot be made saves no address: own book, unknown book, sold out; the book never fills up', async () => {
    const seller = await createUser(t.pool);
    const soldOut = await createBook(t.pool, seller.id, { stock: 0 });
    const { user, auth } = await apiUser();
    const own = await createBook(t.pool, user.id, { stock: 3 });
    const api = t.agent();
    for (let i = 0; i < 3; i++) {
      const mine = await api.post(`/api/buy/${own}`).set(auth).send({ quantity: 1, address: ADDRESS });
      assert.equal(mine.status, 403, mine.text);
      const unknown = await api.post('/api/buy/999999').set(auth).send({ quantity: 1, address: ADDRESS });
      assert.equal(unknown.status, 404, unknown.text);
      const gone = await api.post(`/api/buy/${soldOut}`).set(auth).send({ quantity: 1, address: ADDRESS });
      assert.equal(gone.status, 409, gone.text);
    }
    assert.deepEqual(await addressRows(user.id), [], 'nothing was added to the address book');
    assert.equal(await count(t.pool, 'purchases', 'buyer_id = ?', [user.id]), 0);

    // The buy that can be made saves its address, once.
    const book = await createBook(t.pool, seller.id, { stock: 1 });
    const ok = await api.post(`/api/buy/${book}`).set(auth).send({ quantity: 1, address: ADDRESS });
    assert.equal(ok.status, 201, ok.text);
    assert.deepEqual(await addressRows(user.id), ['Ana Api']);
  });

  test('a full address book refuses a new address before anything is reserved or bought', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { stock: 3 });
    const { agent, user } = await loggedInAgent(t);
    for (let i = 0; i < 5; i++) {
      const added = await agent.post('/account/addresses').type('form').send({ _csrf: await csrfToken(agent, '/account'), ...ADDRESS, recipient: `Person ${i}` });
      assert.equal(added.status, 302);
    }
    const auth = { Authorization: `Bearer ${await tokenFor(user.email)}` };
    const full = await t.agent().post(`/api/buy/${book}`).set(auth).send({ quantity: 1, address: ADDRESS });
    assert.equal(full.status, 409, full.text);
    assert.match(full.text, /You already have 5 addresses/);
    assert.equal(await stockOf(t.pool, book), 3, 'nothing reserved');
    assert.equal(await count(t.pool, 'purchases', 'buyer_id = ?', [user.id]), 0);
    assert.equal((await addressRows(user.id)).length, 5);
  });
  test('two buys racing for the last place in the address book: one is made with its address, the other refused whole (no pending purchase, stock back)', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { stock: 10 });
    const { agent, user } = await loggedInAgent(t);
    for (let i = 0; i < 4; i++) {
      const added = await agent.post('/account/addresses').type('form').send({ _csrf: await csrfToken(agent, '/account'), ...ADDRESS, recipient: `Person ${i}` });
      assert.equal(added.status, 302);
    }
    const auth = { Authorization: `Bearer ${await tokenFor(user.email)}` };
    const racing = await Promise.all(['Racer A', 'Racer B'].map((recipient) => t.agent().post(`/api/buy/${book}`).set(auth).send({ quantity: 1, address: { ...ADDRESS, recipient } })));
    assert.deepEqual(racing.map((r) => r.status).sort(), [201, 409], racing.map((r) => r.text).join('\n'));
    assert.equal((await addressRows(user.id)).length, 5);
    assert.equal(await count(t.pool, 'purchases', "buyer_id = ? AND status = 'pending_payment'", [user.id]), 1);
    assert.equal(await stockOf(t.pool, book), 9);
  });
  test('a delivery choice that cannot be made saves no address: a paid purchase, an unknown carrier', async () => {
    const seller = await createUser(t.pool);
    const book = await createBook(t.pool, seller.id, { stock: 3 });
    const { user, auth } = await apiUser();
    const api = t.agent();
    const [provider] = await providerIds(t.pool);
    const bought = await api.post(`/api/buy/${book}`).set(auth).send({ quantity: 1, address: ADDRESS });
    const id = (bought.body as { purchase: { id: number } }).purchase.id;
    assert.deepEqual(await addressRows(user.id), ['Ana Api']);

    const unknownCarrier = await api.post(`/api/delivery/${id}`).set(auth).send({ provider_id: 999999, address: { ...ADDRESS, recipient: 'Not Saved' } });
    assert.equal(unknownCarrier.status, 422, unknownCarrier.text);
    assert.match(unknownCarrier.text, /Choose one of the delivery options listed\./);
    assert.equal((await api.post(`/api/delivery/${id}`).set(auth).send({ provider_id: provider!.id })).status, 200);
    assert.equal((await api.post(`/api/payment/${id}`).set(auth).send({ method: 'paypal', paypal_email: 'ana@example.com' })).status, 201);
    const paid = await api.post(`/api/delivery/${id}`).set(auth).send({ provider_id: provider!.id, address: { ...ADDRESS, recipient: 'Not Saved' } });
    assert.equal(paid.status, 409, paid.text);
    assert.deepEqual(await addressRows(user.id), ['Ana Api'], 'the address book is unchanged');
  });
});
