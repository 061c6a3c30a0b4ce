// After the sale in real Chromium (issue 27): a cart from two sellers ships as two parcels; the buyer
// cancels one before it ships and is refunded, the other is shipped, delivered and claimed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, startSite, Tab, type Site } from './harness.js';
import { insertBook } from '../helpers/books.js';
import { createUser, PASSWORD } from '../helpers/users.js';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(missing);

let site: Site;
before(async () => {
  if (missing) return;
  site = await startSite({ DELIVERY_SPEEDUP: '200000' });
});
after(async () => {
  if (site) await site.close();
});

async function logIn(tab: Tab, email: string): Promise<void> {
  await tab.goto('/login');
  await tab.page.getByLabel('Email').fill(email);
  await tab.page.getByLabel('Password').fill(PASSWORD);
  await tab.page.getByRole('button', { name: 'Log in' }).click();
  await tab.page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

describe('after the sale in Chromium', { skip: missing ?? false }, () => {
  test('two parcels: one cancelled and refunded, the other shipped, delivered and claimed', async () => {
    const ana = await createUser(site.t.pool, { name: 'Ana Seller' });
    const beto = await createUser(site.t.pool, { name: 'Beto Seller' });
    const buyer = await createUser(site.t.pool, { name: 'Bea Buyer' });
    const dawn = await insertBook(site.t.pool, ana.id, { title: 'Dawn', priceCents: 1000, stock: 2 });
    const imago = await insertBook(site.t.pool, beto.id, { title: 'Imago', priceCents: 2000, stock: 2 });
    const tab = await Tab.open(site, 'desktop');
    const { page } = tab;
    page.on('dialog', (dialog) => void dialog.accept()); // the "Are you sure?" of data-confirm forms
    try {
      await logIn(tab, buyer.email);
      for (const id of [dawn, imago]) {
        await tab.goto(`/book/${id}`);
        await page.getByRole('button', { name: 'Add to cart' }).click();
        await page.waitForURL('**/cart');
      }
      await page.getByRole('button', { name: 'Check out' }).click();
      await page.waitForURL(/\/delivery\/\d+$/);
      const purchasePath = new URL(page.url()).pathname.replace('/delivery/', '/purchases/');
      assert.match(await page.locator('main').innerText(), /Sent by Ana Seller: 1 book[\s\S]*Sent by Beto Seller: 1 book/);
      for (const radio of await page.getByRole('radio', { name: /Servientrega/ }).all()) await radio.check();
      await page.getByLabel('Recipient').fill('Bea Buyer');
      await page.getByLabel('Street address').fill('Calle 10 # 43-12');
      await page.getByLabel('City', { exact: true }).fill('Medellín');
      await page.getByLabel('Department, state or region').fill('Antioquia');
      await page.getByLabel('Phone').fill('+57 300 123 4567');
      await tab.check('after-sale-delivery');
      await page.getByRole('button', { name: 'Continue to payment' }).click();
      await page.waitForURL(/\/payment\/\d+$/);
      assert.match(await page.locator('h1').innerText(), /Pay \$60\.00/, '10.00 + 20.00 + two parcels × 15.00');
      await page.getByLabel('Card number').fill('4242 4242 4242 4242');
      await page.getByLabel('Expiry (MM/YY)').fill('12/39');
      await page.getByLabel('Security code').fill('123');
      await page.getByRole('button', { name: /^Pay/ }).click();
      await page.waitForURL((url) => url.pathname === purchasePath);

      // Ana's parcel: cancelled and refunded before it ships.
      await page.locator('article.parcel', { hasText: 'Ana Seller' }).getByRole('button', { name: 'Cancel and refund' }).click();
      await page.waitForURL((url) => url.pathname === purchasePath);
      const afterCancel = await page.locator('main').innerText();
      assert.match(afterCancel, /\$25\.00 was refunded to your payment method/);
      assert.match(afterCancel, /You cancelled this parcel before it shipped/);
      await tab.check('after-sale-cancelled');

      // Beto ships his; the simulated carrier delivers it.
      const seller = await Tab.open(site, 'desktop');
      await logIn(seller, beto.email);
      await seller.goto('/sales');
      await seller.page.getByRole('button', { name: 'Mark shipped' }).click();
      await seller.page.waitForURL('**/sales');
      assert.deepEqual(seller.problems, []);
      await seller.close();
      const betoStatus = page.locator('article.parcel', { hasText: 'Beto Seller' }).locator('dt:text-is("Status") + dd');
      for (let i = 0; i < 40 && (await betoStatus.innerText()) !== 'Delivered'; i++) {
        await page.waitForTimeout(500);
        await page.reload();
      }
      assert.equal(await betoStatus.innerText(), 'Delivered');

      // A claim on the delivered parcel.
      await page.getByRole('button', { name: 'Open a claim' }).click(); // a link styled as a button
      await page.waitForURL(/\/claim$/);
      await page.getByRole('radio', { name: 'Damaged' }).check();
      await page.getByLabel('Your message to the seller').fill('The cover arrived torn in half.');
      await tab.check('after-sale-claim-form');
      await page.getByRole('button', { name: 'Send the claim' }).click();
      await page.waitForURL(/\/claims\/\d+$/);
      assert.match(await page.locator('main').innerText(), /Waiting for the seller/);
      await tab.check('after-sale-claim');
      assert.deepEqual(tab.problems, []);
    } finally {
      await tab.close();
    }
  });
});
