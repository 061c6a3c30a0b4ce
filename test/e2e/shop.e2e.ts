// The whole shop in real Chromium, at desktop and phone size: sell, find, buy, pay, ship, deliver.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { chromiumMissing, SIZES, startSite, Tab, type Site, type SizeName } from './harness.js';
import sharp from 'sharp';
import { insertBook } from '../helpers/books.js';
import { createUser, PASSWORD, uniqueEmail } from '../helpers/users.js';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(missing);

let site: Site;
let coverPath: string;
before(async () => {
  if (missing) return;
  // Deliveries that take hours are simulated in well under a second each.
  site = await startSite({ DELIVERY_SPEEDUP: '200000' });
  coverPath = join(mkdtempSync(join(tmpdir(), 'bookstore-e2e-')), 'my-cover photo.jpg');
  writeFileSync(coverPath, await coverPhoto());
});
after(async () => {
  if (site) await site.close();
});

async function logIn(tab: Tab, email: string, password = PASSWORD): Promise<void> {
  await tab.goto('/login');
  await tab.page.getByLabel('Email').fill(email);
  await tab.page.getByLabel('Password').fill(password);
  await tab.page.getByRole('button', { name: 'Log in' }).click();
  await tab.page.waitForURL((url) => !url.pathname.startsWith('/login'));
}

async function logOut(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL('**/login?logged_out=1');
}

/** A photo-like JPEG of a book cover (the seller's upload). */
function coverPhoto(): Promise<Buffer> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="900">
    <defs><linearGradient id="g" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#2f5d62"/><stop offset="1" stop-color="#1d3a3d"/></linearGradient></defs>
    <rect width="600" height="900" fill="url(#g)"/>
    <circle cx="300" cy="560" r="150" fill="#dfa34a" opacity="0.85"/>
    <path d="M0 700 Q150 620 300 690 T600 660 V900 H0 Z" fill="#13292b"/>
    <text x="300" y="170" font-family="serif" font-size="58" fill="#fbf7f0" text-anchor="middle">Parable of</text>
    <text x="300" y="240" font-family="serif" font-size="58" fill="#fbf7f0" text-anchor="middle">the Sower</text>
    <text x="300" y="320" font-family="sans-serif" font-size="28" fill="#dfa34a" text-anchor="middle" letter-spacing="4">OCTAVIA E. BUTLER</text>
  </svg>`;
  return sharp(Buffer.from(svg)).jpeg({ quality: 85 }).toBuffer();
}

const SELLER_PASSWORD = 'my shelves are far too full';
const mainText = (page: Page) => page.locator('main').innerText();

for (const size of Object.keys(SIZES) as SizeName[]) {
  describe(`the shop in Chromium (${size})`, { skip: missing ?? false }, () => {
    const author = `Octavia Test-${size}`;
    const title = `Parable of the Sower (${size})`;
    let sellerEmail = '';
    let bookPath = '';

    test('a seller registers, publishes a book with a cover photo, sees a field error, edits it, logs out', async () => {
      const tab = await Tab.open(site, size);
      const { page } = tab;
      try {
        sellerEmail = uniqueEmail('seller');
        await tab.goto('/register');
        await page.getByLabel('Your name').fill('Sam Seller');
        await page.getByLabel('Email').fill(sellerEmail);
        await page.getByLabel('Password', { exact: true }).fill(SELLER_PASSWORD);
        await page.getByLabel('Repeat the password').fill(SELLER_PASSWORD);
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.waitForURL('**/book/catalog');

        await page.getByRole('link', { name: 'Sell' }).click();
        await page.waitForURL('**/book/add_book');
        await page.getByLabel('Title').fill(title);
        await page.getByLabel('Author').fill(author);
        await page.getByLabel('ISBN (optional)').fill('978-0-14-143951-9'); // wrong check digit
        await page.getByLabel('Description').fill('First edition paperback, a little sun-faded.');
        await page.getByLabel('Condition').selectOption('very_good');
        await page.getByLabel('Price ($)').fill('-3');
        await page.getByLabel('Copies in stock').fill('2');
        await page.getByLabel('Cover photo (optional)').setInputFiles(coverPath);
        await page.getByRole('button', { name: 'List the book' }).click();
        await page.locator('[data-error-summary]').waitFor();
        assert.ok(await page.locator('#price-error').isVisible(), 'the price error is next to the price field');
        assert.ok(await page.locator('#isbn-error').isVisible(), 'the ISBN error is next to the ISBN field');
        assert.equal(await page.getByLabel('Title').inputValue(), title, 'input is kept');
        await tab.check('sell-errors');

        await page.getByLabel('ISBN (optional)').fill('978-0-14-143951-8');
        await page.getByLabel('Price ($)').fill('12.50');
        await page.getByLabel('Cover photo (optional)').setInputFiles(coverPath); // files are never kept by browsers
        await page.getByRole('button', { name: 'List the book' }).click();
        await page.waitForURL(/\/book\/\d+$/);
        bookPath = new URL(page.url()).pathname;
        const cover = page.locator('img.cover-large');
        assert.match(String(await cover.getAttribute('src')), /^\/uploads\/covers\/[\w-]+\.webp$/);
        assert.match(String(await cover.getAttribute('alt')), /Cover photo of Parable/);
        assert.ok(await cover.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the cover loads');
        await tab.check('book');

        await page.getByRole('button', { name: 'Edit' }).click();
        await page.getByLabel('Price ($)').fill('11.00');
        await page.getByRole('button', { name: 'Save changes' }).click();
        await page.waitForURL((url) => url.pathname === bookPath);
        assert.match(await mainText(page), /\$11\.00/);
        await page.getByRole('link', { name: 'My books' }).click();
        await page.waitForURL('**/book/my_books');
        assert.match(await mainText(page), new RegExp(title.replace(/[()]/g, '\\$&')));
        await tab.check('my-books');
        await logOut(page);
        assert.deepEqual(tab.problems, []);
      } finally {
        await tab.close();
      }
    });

    test('a shopper finds the book by author, fills a cart from two sellers, is declined, pays, and follows the delivery', async () => {
      // A second seller's book, and a shopper.
      const other = await createUser(site.t.pool, { name: 'Olga Other' });
      const otherTitle = `Kindred (${size})`;
      await insertBook(site.t.pool, other.id, { title: otherTitle, author: 'Another Writer', priceCents: 900, stock: 3 });
      const tab = await Tab.open(site, size);
      const { page } = tab;
      try {
        const shopperEmail = uniqueEmail('shopper');
        await tab.goto('/register');
        await page.getByLabel('Your name').fill('Paula Shopper');
        await page.getByLabel('Email').fill(shopperEmail);
        await page.getByLabel('Password', { exact: true }).fill('reading on the night bus');
        await page.getByLabel('Repeat the password').fill('reading on the night bus');
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.waitForURL('**/book/catalog');

        await page.getByLabel(/Search by title/).fill(author);
        await page.getByLabel(/Search by title/).press('Enter');
        await page.waitForURL(/q=/);
        await tab.check('catalog-search');
        await page.getByRole('link', { name: title }).click();
        await page.waitForURL((url) => url.pathname === bookPath);
        await page.getByRole('button', { name: 'Add to cart' }).click();
        await page.waitForURL('**/cart');

        await tab.goto(`/book/catalog?q=${encodeURIComponent('Kindred')}`);
        await page.getByRole('link', { name: otherTitle }).click();
        await page.getByRole('button', { name: 'Add to cart' }).click();
        await page.waitForURL('**/cart');
        const cart = await mainText(page);
        assert.match(cart, new RegExp(title.replace(/[()]/g, '\\$&')));
        assert.match(cart, new RegExp(otherTitle.replace(/[()]/g, '\\$&')));
        assert.match(cart, /\$20\.00/, 'the cart total is 11.00 + 9.00');
        await tab.check('cart');

        await page.getByRole('button', { name: 'Check out' }).click();
        await page.waitForURL(/\/delivery\/\d+$/);
        const purchasePath = new URL(page.url()).pathname.replace('/delivery/', '/purchases/');
        // No address yet: "A new address" is preselected; leaving it empty is refused with the
        // messages next to the fields, then the shopper adds it right here.
        assert.equal(await page.getByRole('radio', { name: /A new address/ }).isChecked(), true);
        // One parcel per seller: a box each, each with its carrier.
        const carriers = await page.getByRole('radio', { name: /Servientrega/ }).all();
        assert.equal(carriers.length, 2, 'a box per seller');
        for (const radio of carriers) await radio.check();
        await page.getByRole('button', { name: 'Continue to payment' }).click();
        await page.locator('[data-error-summary]').waitFor();
        assert.match(await mainText(page), /Enter the street address\./);
        await tab.check('checkout-address-errors');
        await page.getByLabel('Recipient').fill('Paula Shopper');
        await page.getByLabel('Street address').fill('Calle 10 # 43-12');
        await page.getByLabel('City', { exact: true }).fill('Medellín');
        await page.getByLabel('Department, state or region').fill('Antioquia');
        await page.getByLabel('Country').selectOption('CO');
        await page.getByLabel('Phone').fill('+57 300 123 4567');
        for (const radio of await page.getByRole('radio', { name: /Servientrega/ }).all()) assert.equal(await radio.isChecked(), true, 'the carriers stay chosen');
        await tab.check('checkout-delivery');
        await page.getByRole('button', { name: 'Continue to payment' }).click();
        await page.waitForURL(/\/payment\/\d+$/);
        assert.match(await page.locator('h1').innerText(), /Pay \$50\.00/, '20.00 + 2 parcels × 15.00 shipping');

        await page.getByLabel('Card number').fill('4000 0000 0000 0002');
        await page.getByLabel('Expiry (MM/YY)').fill('12/39');
        await page.getByLabel('Security code').fill('123');
        await page.getByRole('button', { name: /^Pay/ }).click();
        await page.locator('[data-error-summary]').waitFor();
        assert.match(await mainText(page), /declined/i);
        await tab.check('checkout-declined');

        await page.getByLabel('Card number').fill('4242 4242 4242 4242');
        await page.getByLabel('Expiry (MM/YY)').fill('12/39');
        await page.getByLabel('Security code').fill('123');
        await page.getByRole('button', { name: /^Pay/ }).click();
        await page.waitForURL((url) => url.pathname === purchasePath);
        assert.match(await mainText(page), /Paid|Preparing/i);
        assert.match(await page.locator('address.ship-to').innerText(), /Calle 10 # 43-12[\s\S]*Medellín, Antioquia[\s\S]*Colombia/);
        assert.equal(await page.locator('.timeline').count(), 3, 'a graphical timeline for the purchase and one per parcel');

        // The sellers ship their items; the simulated carrier does the rest.
        const sellerTab = await Tab.open(site, size);
        for (const [email, password] of [[sellerEmail, SELLER_PASSWORD], [other.email, PASSWORD]] as const) {
          await logIn(sellerTab, email, password);
          await sellerTab.goto('/sales');
          assert.match(await mainText(sellerTab.page), /Calle 10 # 43-12/, 'each seller sees where to send their item');
          await sellerTab.page.getByRole('button', { name: 'Mark shipped' }).first().click();
          await sellerTab.page.waitForURL('**/sales');
          await sellerTab.check('sales');
          await logOut(sellerTab.page);
        }
        assert.deepEqual(sellerTab.problems, []);
        await sellerTab.close();

        const statuses = () => page.locator('.parcel dt:text-is("Status") + dd').allInnerTexts();
        for (let i = 0; i < 40 && !(await statuses()).every((s) => s === 'Delivered'); i++) {
          await page.waitForTimeout(500);
          await page.reload();
        }
        assert.deepEqual(await statuses(), ['Delivered', 'Delivered'], 'both parcels');
        const steps = await page.locator('.timeline-step').evaluateAll((els) => els.map((el) => `${el.textContent?.trim().split(/\s+/)[0]}:${el.className}`));
        assert.ok(steps.every((s) => /timeline-(done|current)/.test(s)), `every step reached: ${steps.join(', ')}`);
        await tab.check('purchase-timeline');

        // The public tracking page: the status, no names or emails.
        await page.locator('dt:text-is("Tracking") + dd a').first().click();
        await page.waitForURL(/\/track\/\w+$/);
        const tracking = await mainText(page);
        assert.match(tracking, /Delivered/);
        assert.doesNotMatch(tracking, /Paula|Shopper|@example\.com|Sam Seller|Calle 10|Medellín/);
        await tab.check('track');

        await tab.goto('/');
        await tab.check('home-with-books');
        await tab.goto(purchasePath);
        await page.getByRole('link', { name: 'Orders' }).click();
        await page.waitForURL('**/purchases');
        assert.match(await mainText(page), new RegExp(`#${purchasePath.split('/').pop()}`));
        await tab.check('purchases');
        assert.deepEqual(tab.problems, []);
      } finally {
        await tab.close();
      }
    });

    test('an admin retires a delivery provider', async () => {
      const admin = await createUser(site.t.pool, { role: 'admin', name: 'Ada Admin' });
      const tab = await Tab.open(site, size);
      const { page } = tab;
      try {
        await logIn(tab, admin.email);
        await page.getByRole('link', { name: 'Admin' }).click();
        await page.getByRole('link', { name: /Delivery providers/ }).click();
        await page.waitForURL('**/admin/delivery_providers');
        const name = size === 'desktop' ? 'DHL' : 'FedEx';
        const row = page.getByRole('row').filter({ hasText: name });
        await row.getByRole('button', { name: 'Retire' }).click();
        await page.waitForURL('**/admin/delivery_providers');
        assert.ok(await page.getByRole('row').filter({ hasText: name }).getByRole('button', { name: 'Offer again' }).isVisible());
        await tab.check('admin-providers');
        assert.deepEqual(tab.problems, []);
      } finally {
        await tab.close();
      }
    });
  });
}
