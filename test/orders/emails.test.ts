// Orders' e-mails through a real SMTP server: each arrives once, to the right account, in its
// language, with links from PUBLIC_URL, no card number and no full address.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { advanceDeliveries } from '../../src/orders/deliveries.service.js';
import { queueShippingReminders } from '../../src/orders/orders.mails.js';
import { sweepExpired } from '../../src/orders/purchases.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { buyAndPay, buyNow, createBook, csrfOf, providerIds, purchaseIdFrom } from '../helpers/orders.js';
import { drain, senders, startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { csrfFrom, loggedInAgent } from '../helpers/users.js';

const PUBLIC = 'https://shop.example.test';
let smtp: TestSmtp;
let t: TestApp;
let send: ReturnType<typeof senders>;

before(async () => {
  smtp = await startSmtp();
  t = await startTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: PUBLIC, EMAIL_VERIFICATION: 'off' });
  send = senders(t);
});
after(async () => {
  send.close();
  await t.close();
  await smtp.stop();
});

const subjects = (email: string) => smtp.to(email).map((m) => m.subject);

describe('order e-mails', () => {
  test('buyer: placed, paid (receipt), shipped, delivered; seller: new sale; each once, in each one\'s language', async () => {
    const { agent: seller, user: sellerUser } = await loggedInAgent(t, { name: 'Sara Seller' });
    const { agent: buyer, user: buyerUser } = await loggedInAgent(t, { name: 'Bea Buyer' });
    // The buyer reads e-mail in English (chosen on /account); the seller keeps Spanish (the default).
    const account = await buyer.get('/account');
    assert.equal((await buyer.post('/account/language').type('form').send({ _csrf: csrfFrom(account.text), lang: 'en' })).status, 302);
    const bookId = await createBook(t.pool, sellerUser.id, { title: 'Kindred', priceCents: 1400 });
    const [provider] = await providerIds(t.pool);
    const purchaseId = await buyAndPay(buyer, bookId, provider!.id);
    await drain(send);

    assert.deepEqual(subjects(buyerUser.email), [`Purchase #${purchaseId}: waiting for payment`, `Purchase #${purchaseId}: payment received`]);
    const receipt = smtp.to(buyerUser.email)[1]!;
    assert.match(receipt.text, /Kindred × 1: \$14\.00 \(sold by Sara Seller\)/);
    assert.match(receipt.text, /Visa ending in 4242/);
    assert.match(receipt.text, /Ships to Medellín, Colombia\./);
    assert.match(receipt.text, new RegExp(`${PUBLIC}/purchases/${purchaseId}`));
    for (const m of smtp.received) {
      assert.doesNotMatch(m.raw, /4242 ?4242|\b123\b.*cvv/i, 'no card number');
      assert.doesNotMatch(m.raw, /Calle 10|\+57 300/, 'no full address, no phone');
    }
    assert.deepEqual(subjects(sellerUser.email), [`Vendiste libros: venta #${purchaseId}`]);
    assert.match(smtp.to(sellerUser.email)[0]!.text, /Kindred: × 1/);
    assert.match(smtp.to(sellerUser.email)[0]!.text, /Se envía a Medellín, Colombia\./);

    // Shipped: the carrier, the tracking number and the public /track link.
    const sales = await seller.get('/sales');
    assert.equal((await seller.post(`/sales/${purchaseId}/ship`).type('form').send({ _csrf: csrfFrom(sales.text) })).status, 302);
    await drain(send);
    const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT tracking_number FROM deliveries WHERE purchase_id = ?', [purchaseId]);
    const tracking = String(rows[0]!.tracking_number);
    const shipped = smtp.to(buyerUser.email)[2]!;
    assert.equal(shipped.subject, `Purchase #${purchaseId} has shipped`);
    assert.ok(shipped.text.includes(`${PUBLIC}/track/${tracking}`));
    assert.match(shipped.text, new RegExp(`with ${provider!.name}\\. Tracking number: ${tracking}`));

    // Delivered: the carrier moves it on (twice), one e-mail whatever the number of runs.
    const later = new Date(Date.now() + 30 * 86_400_000);
    await advanceDeliveries(t.pool, 1, later);
    await advanceDeliveries(t.pool, 1, new Date(later.getTime() + 30 * 86_400_000));
    await advanceDeliveries(t.pool, 1, new Date(later.getTime() + 60 * 86_400_000));
    await drain(send);
    assert.deepEqual(subjects(buyerUser.email).slice(3), [`Purchase #${purchaseId} was delivered`]);
    assert.equal(smtp.to(sellerUser.email).length, 1);
  });

  test('cancelled by the buyer, or expired: one e-mail each', async () => {
    const { user: sellerUser } = await loggedInAgent(t);
    const { agent: buyer, user: buyerUser } = await loggedInAgent(t);
    const first = purchaseIdFrom((await buyNow(buyer, await createBook(t.pool, sellerUser.id))).headers.location);
    const second = purchaseIdFrom((await buyNow(buyer, await createBook(t.pool, sellerUser.id))).headers.location);
    assert.equal((await buyer.post(`/purchases/${first}/cancel`).type('form').send({ _csrf: await csrfOf(buyer) })).status, 302);
    await sweepExpired(t.pool, t.ports.catalog, new Date(Date.now() + 3 * 3_600_000));
    await sweepExpired(t.pool, t.ports.catalog, new Date(Date.now() + 4 * 3_600_000));
    await drain(send);
    const mails = smtp.to(buyerUser.email);
    assert.deepEqual(mails.map((m) => m.subject).sort(), [
      `Compra #${first}: esperando el pago`,
      `Compra #${second}: esperando el pago`,
      `La compra #${first} fue cancelada`,
      `La compra #${second} fue cancelada`,
    ].sort());
    assert.match(mails.find((m) => m.subject === `La compra #${first} fue cancelada`)!.text, /La cancelaste/);
    assert.match(mails.find((m) => m.subject === `La compra #${second} fue cancelada`)!.text, /No se pagó a tiempo/);
    assert.equal(smtp.to(sellerUser.email).length, 0, 'the seller hears only of paid sales');
  });

  test('a paid sale still unshipped 4 days after payment: one reminder to its seller', async () => {
    const { user: sellerUser } = await loggedInAgent(t);
    const { agent: buyer } = await loggedInAgent(t);
    const [provider] = await providerIds(t.pool);
    const purchaseId = await buyAndPay(buyer, await createBook(t.pool, sellerUser.id, { title: 'Beloved' }), provider!.id);
    assert.equal(await queueShippingReminders(t.pool, new Date(Date.now() + 3 * 86_400_000)), 0, 'not before 4 days');
    const fiveDays = new Date(Date.now() + 5 * 86_400_000);
    assert.equal(await queueShippingReminders(t.pool, fiveDays), 1);
    assert.equal(await queueShippingReminders(t.pool, fiveDays), 0, 'once');
    await drain(send);
    const reminder = smtp.to(sellerUser.email).filter((m) => m.subject === `Venta #${purchaseId}: el comprador sigue esperando`);
    assert.equal(reminder.length, 1);
    assert.match(reminder[0]!.text, /Beloved: × 1/);
    assert.ok(reminder[0]!.text.includes(`${PUBLIC}/sales`));
  });
});
