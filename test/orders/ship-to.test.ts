// Where a purchase ships: chosen (or added) at the delivery step of buy now and cart checkout,
// copied onto the purchase, shown to its buyer, to each seller after payment only, to the admin
// as city and country, and never on the public tracking page.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { ADDRESS, buyNow, chooseDelivery, createBook, csrfOf, pay, providerIds, purchaseIdFrom } from '../helpers/orders.js';
import { csrfToken, loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

async function shipRow(purchaseId: number) {
  const [r] = await t.pool.execute<RowDataPacket[]>('SELECT ship_address_id, ship_recipient, ship_line1, ship_city, ship_country FROM purchases WHERE id = ?', [purchaseId]);
  return r[0];
}

describe('shipping address at checkout', () => {
  test('buy now: added at the delivery step, paid, shown to the buyer; later edits never change the purchase', async () => {
    const seller = await loggedInAgent(t, { name: 'Sam Seller' });
    const buyer = await loggedInAgent(t, { name: 'Bea Buyer' });
    const book = await createBook(t.pool, seller.user.id, { title: 'Kindred', stock: 2 });
    const [provider] = await providerIds(t.pool);
    const id = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);

    const page = await buyer.agent.get(`/delivery/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /Ship to/);
    assert.match(page.text, /name="address_id" value="new" checked/, 'with no address yet, a new one is preselected');

    // A bad new address: 422 with its messages and what was typed; nothing saved.
    const bad = await chooseDelivery(buyer.agent, id, provider!.id, { phone: '12', city: '' });
    assert.equal(bad.status, 422);
    assert.match(bad.text, /Enter the city\./);
    assert.match(bad.text, /value="Calle 10 # 43-12"/);
    assert.equal((await shipRow(id))?.ship_recipient, null);
    const [none] = await t.pool.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM addresses WHERE user_id = ?', [buyer.user.id]);
    assert.equal(Number(none[0]?.n), 0);

    // No address chosen at all: 422, and payment is refused until there is one.
    const missing = await buyer.agent.post(`/delivery/${id}`).type('form').send({ _csrf: await csrfOf(buyer.agent), provider_id: String(provider!.id) });
    assert.equal(missing.status, 422);
    assert.match(missing.text, /Choose where to ship the books\./);
    assert.equal((await pay(buyer.agent, id)).status, 409, 'no payment before the delivery step');
    assert.equal((await buyer.agent.get(`/payment/${id}`)).headers.location, `/delivery/${id}`);

    const chosen = await chooseDelivery(buyer.agent, id, provider!.id);
    assert.equal(chosen.status, 302);
    assert.equal(chosen.headers.location, `/payment/${id}`);
    const row = await shipRow(id);
    assert.equal(row?.ship_recipient, 'Bea Buyer');
    assert.equal(row?.ship_city, 'Medellín');
    const [book1] = await t.pool.execute<RowDataPacket[]>('SELECT id, is_default FROM addresses WHERE user_id = ?', [buyer.user.id]);
    assert.equal(book1.length, 1, 'the new address is in the address book, as the default');
    assert.equal(book1[0]?.is_default, 1);
    assert.equal(row?.ship_address_id, book1[0]?.id);

    assert.equal((await pay(buyer.agent, id)).headers.location, `/purchases/${id}`);
    const detail = await buyer.agent.get(`/purchases/${id}`);
    assert.match(detail.text, /<address class="ship-to">[\s\S]*Bea Buyer[\s\S]*Calle 10 # 43-12[\s\S]*Apto 501[\s\S]*Medellín, Antioquia 050021[\s\S]*Colombia[\s\S]*\+57 300 123 4567/);

    // Editing the address book afterwards leaves the purchase as it was sold.
    const edited = await buyer.agent.post(`/account/addresses/${String(book1[0]?.id)}`).type('form').send({ _csrf: await csrfToken(buyer.agent, '/account'), ...ADDRESS, line1: 'Avenida Nueva 1', city: 'Bello' });
    assert.equal(edited.status, 302);
    const after = await buyer.agent.get(`/purchases/${id}`);
    assert.match(after.text, /Calle 10 # 43-12/);
    assert.doesNotMatch(after.text, /Avenida Nueva 1/);

    // The next checkout preselects the default.
    const next = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);
    const nextPage = await buyer.agent.get(`/delivery/${next}`);
    assert.match(nextPage.text, new RegExp(`name="address_id" value="${String(book1[0]?.id)}" checked`));
    assert.match(nextPage.text, /Avenida Nueva 1/);
  });

  test('the seller sees the address on /sales after payment only; other people never; tracking never; admin city and country', async () => {
    const seller = await loggedInAgent(t, { name: 'Sal Seller' });
    const otherSeller = await loggedInAgent(t, { name: 'Ola Other' });
    const buyer = await loggedInAgent(t);
    const admin = await loggedInAgent(t, { role: 'admin' });
    const mine = await createBook(t.pool, seller.user.id, { title: 'Beloved' });
    const theirs = await createBook(t.pool, otherSeller.user.id, { title: 'Sula' });
    const [provider] = await providerIds(t.pool);

    // A cart from one seller; the other seller's book is bought separately and never paid.
    const csrf = await csrfOf(buyer.agent);
    await buyer.agent.post('/cart/add').type('form').send({ _csrf: csrf, book_id: String(mine), quantity: '1' });
    const cart = await buyer.agent.get('/cart');
    const token = /name="checkout_token" value="([^"]+)"/.exec(cart.text)?.[1];
    const checkout = await buyer.agent.post('/cart/checkout').type('form').send({ _csrf: csrf, checkout_token: token });
    const id = purchaseIdFrom(checkout.headers.location);
    await chooseDelivery(buyer.agent, id, provider!.id, { address_id: 'new', ...ADDRESS, line1: 'Calle Secreta 9' });
    const unpaid = purchaseIdFrom((await buyNow(buyer.agent, theirs)).headers.location);
    await chooseDelivery(buyer.agent, unpaid, provider!.id);

    const before = await seller.agent.get('/sales');
    assert.doesNotMatch(before.text, /Calle Secreta 9/, 'not before payment');
    await pay(buyer.agent, id);
    const sales = await seller.agent.get('/sales');
    assert.match(sales.text, /Beloved/);
    assert.match(sales.text, /Calle Secreta 9/);
    assert.match(sales.text, /\+57 300 123 4567/);
    const others = await otherSeller.agent.get('/sales');
    assert.doesNotMatch(others.text, /Calle Secreta 9|Medellín/, 'a seller of another (unpaid) purchase sees nothing');
    assert.equal((await otherSeller.agent.get(`/purchases/${id}`)).status, 403);

    const detail = await buyer.agent.get(`/purchases/${id}`);
    const tracking = /\/track\/(BS[A-Z0-9]{10})/.exec(detail.text)?.[1];
    const track = await t.agent().get(`/track/${tracking}`);
    assert.equal(track.status, 200);
    assert.doesNotMatch(track.text, /Calle Secreta|Medellín|Antioquia|Bea Buyer|300 123/);

    const list = await admin.agent.get('/admin/purchases');
    assert.match(list.text, /Medellín, Colombia/);
    assert.doesNotMatch(list.text, /Calle Secreta|300 123|Bea Buyer/);
    const adminDetail = await admin.agent.get(`/purchases/${id}`);
    assert.match(adminDetail.text, /Medellín, Colombia/);
    assert.doesNotMatch(adminDetail.text, /Calle Secreta|300 123/);
  });

  test("someone else's address id at checkout is a 404 that changes nothing", async () => {
    const seller = await loggedInAgent(t);
    const owner = await loggedInAgent(t);
    const buyer = await loggedInAgent(t);
    const book = await createBook(t.pool, seller.user.id, { stock: 2 });
    const [provider] = await providerIds(t.pool);
    await owner.agent.post('/account/addresses').type('form').send({ _csrf: await csrfToken(owner.agent, '/account'), ...ADDRESS, line1: 'Owner Street 1' });
    const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT id FROM addresses WHERE user_id = ?', [owner.user.id]);
    const foreign = String(rows[0]?.id);

    const id = purchaseIdFrom((await buyNow(buyer.agent, book)).headers.location);
    const res = await chooseDelivery(buyer.agent, id, provider!.id, { address_id: foreign });
    assert.equal(res.status, 404);
    assert.doesNotMatch(res.text, /Owner Street/);
    assert.equal((await shipRow(id))?.ship_recipient, null);
    const [deliveries] = await t.pool.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM deliveries WHERE purchase_id = ?', [id]);
    assert.equal(Number(deliveries[0]?.n), 0);
    assert.equal((await chooseDelivery(buyer.agent, id, provider!.id, { address_id: 'abc' })).status, 422);
  });

  test('the API: address_id or an address object on buy; a foreign id is 404 and reserves nothing', async () => {
    const seller = await loggedInAgent(t);
    const book = await createBook(t.pool, seller.user.id, { stock: 3 });
    const buyer = await loggedInAgent(t);
    const stranger = await loggedInAgent(t);
    await buyer.agent.post('/account/addresses').type('form').send({ _csrf: await csrfToken(buyer.agent, '/account'), ...ADDRESS });
    await stranger.agent.post('/account/addresses').type('form').send({ _csrf: await csrfToken(stranger.agent, '/account'), ...ADDRESS, recipient: 'Stranger' });
    const [mine] = await t.pool.execute<RowDataPacket[]>('SELECT id FROM addresses WHERE user_id = ?', [buyer.user.id]);
    const [theirs] = await t.pool.execute<RowDataPacket[]>('SELECT id FROM addresses WHERE user_id = ?', [stranger.user.id]);
    const login = await t.agent().post('/api/login').send({ email: buyer.user.email, password: buyer.user.password });
    const auth = { Authorization: `Bearer ${(login.body as { token: string }).token}` };

    const byId = await t.agent().post(`/api/buy/${book}`).set(auth).send({ quantity: 1, address_id: mine[0]?.id as number });
    assert.equal(byId.status, 201, byId.text);
    assert.equal((byId.body as { purchase: { shippingAddress: { recipient: string; country: string } } }).purchase.shippingAddress.recipient, 'Bea Buyer');

    const foreign = await t.agent().post(`/api/buy/${book}`).set(auth).send({ quantity: 1, address_id: theirs[0]?.id as number });
    assert.equal(foreign.status, 404);
    const invalid = await t.agent().post(`/api/buy/${book}`).set(auth).send({ quantity: 1, address: { ...ADDRESS, phone: 'x' } });
    assert.equal(invalid.status, 422);
    assert.ok((invalid.body as { error: { fields: Record<string, string> } }).error.fields.phone);
    const [stock] = await t.pool.execute<RowDataPacket[]>('SELECT stock FROM books WHERE id = ?', [book]);
    assert.equal(stock[0]?.stock, 2, 'only the first buy took a copy');

    // Without an address a purchase can choose its carrier but not be paid.
    const bare = await t.agent().post(`/api/buy/${book}`).set(auth).send({ quantity: 1 });
    const bareId = (bare.body as { purchase: { id: number; shippingAddress: unknown } }).purchase.id;
    assert.equal((bare.body as { purchase: { shippingAddress: unknown } }).purchase.shippingAddress, null);
    const [provider] = await providerIds(t.pool);
    assert.equal((await t.agent().post(`/api/delivery/${bareId}`).set(auth).send({ provider_id: provider!.id })).status, 200);
    const refused = await t.agent().post(`/api/payment/${bareId}`).set(auth).send({ method: 'paypal', paypal_email: 'a@example.com' });
    assert.equal(refused.status, 409);
    assert.match(refused.text, /Choose where to ship the books before paying\./);
    const later = await t.agent().post(`/api/delivery/${bareId}`).set(auth).send({ provider_id: provider!.id, address_id: mine[0]?.id as number });
    assert.equal((later.body as { purchase: { shippingAddress: { city: string } } }).purchase.shippingAddress.city, 'Medellín');
    assert.equal((await t.agent().post(`/api/payment/${bareId}`).set(auth).send({ method: 'paypal', paypal_email: 'a@example.com' })).status, 201);
  });
});
