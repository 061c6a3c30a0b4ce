// Catalog filters and pagination, and the keyboard-only path from login to payment, in Chromium.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, SIZES, startSite, Tab, type Site, type SizeName } from './harness.js';
import sharp from 'sharp';
import { encodeCover, storeCover } from '../../src/catalog/covers.js';
import { insertBook } from '../helpers/books.js';
import { createUser, PASSWORD } from '../helpers/users.js';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(missing);

const CONDITIONS = ['as_new', 'fine', 'very_good', 'good', 'fair', 'poor'];

/** A simple designed cover, stored the way an upload is (WebP, random name). */
async function cover(uploadDir: string, title: string, hue: number): Promise<string> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="600" height="900">
    <rect width="600" height="900" fill="hsl(${hue},42%,34%)"/><rect x="40" y="40" width="520" height="820" fill="none" stroke="hsl(${hue},40%,80%)" stroke-width="6"/>
    <circle cx="300" cy="600" r="120" fill="hsl(${(hue + 40) % 360},60%,62%)"/>
    <text x="300" y="260" font-family="serif" font-size="64" fill="#fbf7f0" text-anchor="middle">${title}</text></svg>`;
  return storeCover(uploadDir, await encodeCover(await sharp(Buffer.from(svg)).jpeg().toBuffer()));
}
let site: Site;
before(async () => {
  if (missing) return;
  site = await startSite();
  const seller = await createUser(site.t.pool, { name: 'Bruno Bookseller' });
  // 30 books: two pages of 24; five of them in "poor" condition; prices 5.00 to 34.00.
  for (let i = 0; i < 30; i++) {
    const id = await insertBook(site.t.pool, seller.id, {
      title: `Shelf Book ${String(i + 1).padStart(2, '0')}`,
      author: i % 2 ? 'Ana Odd' : 'Eva Even',
      condition: CONDITIONS[i % 6],
      priceCents: 500 + i * 100,
      stock: i === 3 ? 0 : 2,
      createdAt: new Date(Date.now() - (30 - i) * 60_000),
    });
    // Most sellers add a photo; some books keep the placeholder.
    if (i % 5 !== 2) {
      const key = await cover(site.t.uploadDir, `Shelf ${i + 1}`, (i * 47) % 360);
      await site.t.pool.execute('UPDATE books SET cover_key = ? WHERE id = ?', [key, id]);
    }
  }
});
after(async () => {
  if (site) await site.close();
});

for (const size of Object.keys(SIZES) as SizeName[]) {
  describe(`browsing in Chromium (${size})`, { skip: missing ?? false }, () => {
    test('pagination, filters, sorting and the empty state', async () => {
      const tab = await Tab.open(site, size);
      const { page } = tab;
      try {
        await tab.goto('/book/catalog');
        const cards = page.locator('.book-card');
        assert.equal(await cards.count(), 24);
        const alts = await page.locator('.book-card img').evaluateAll((imgs) => imgs.map((i) => i.getAttribute('alt')));
        assert.ok(alts.every((a) => a && a.length > 0), 'every cover has alt text');
        await tab.check('catalog');
        await page.getByRole('button', { name: /Next/ }).click();
        await page.waitForURL(/page=2/);
        assert.equal(await cards.count(), 6);
        assert.match(await cards.filter({ hasText: 'Shelf Book 04' }).innerText(), /Sold out/, 'the sold-out book says so');
        assert.equal(await cards.filter({ hasText: 'Shelf Book 04' }).getByRole('button', { name: 'Buy now' }).count(), 0);
        await page.getByRole('button', { name: /Previous/ }).click();
        await page.waitForURL((url) => !url.search.includes('page=2'));

        await page.getByLabel('Condition').selectOption('poor');
        await page.getByLabel('Sort by').selectOption('price_asc');
        await page.getByRole('button', { name: 'Search' }).click();
        await page.waitForURL(/condition=poor/);
        assert.equal(await cards.count(), 5);
        const prices = await page.locator('.book-card .price').allInnerTexts();
        const numbers = prices.map((p) => Number(p.replace(/[^0-9.]/g, '')));
        assert.deepEqual(numbers, [...numbers].sort((a, b) => a - b), 'sorted by price, low to high');

        await page.getByLabel('Lowest price ($)').fill('30');
        await page.getByRole('button', { name: 'Search' }).click();
        await page.waitForURL(/min_price=30/);
        assert.equal(await cards.count(), 1); // Shelf Book 30: poor, 34.00

        await page.getByLabel(/Search by title/).fill('no such book anywhere');
        await page.getByRole('button', { name: 'Search' }).click();
        await page.waitForURL(/q=no/);
        assert.match(await page.locator('main').innerText(), /No books match your search/);
        await tab.check('catalog-empty');
        await page.getByRole('button', { name: 'Clear the search' }).or(page.getByRole('link', { name: 'Clear the search' })).first().click();
        await page.waitForURL((url) => url.pathname === '/book/catalog' && url.search === '');
        assert.equal(await cards.count(), 24);

        await tab.goto('/book/catalog?page=abc&min_price=x');
        assert.equal(await cards.count(), 24, 'malformed parameters fall back');
        assert.deepEqual(tab.problems, []);
      } finally {
        await tab.close();
      }
    });

    test('log in, search, fill the cart, check out and pay with the keyboard alone', async () => {
      const shopper = await createUser(site.t.pool, { name: 'Kim Keyboard' });
      const tab = await Tab.open(site, size);
      const { page } = tab;
      const key = (k: string) => page.keyboard.press(k);
      try {
        await tab.goto('/login');
        await tab.tabTo(page.getByLabel('Email'));
        await page.keyboard.type(shopper.email);
        await key('Tab');
        await page.keyboard.type(PASSWORD);
        await key('Enter');
        await page.waitForURL('**/book/catalog');

        await tab.tabTo(page.getByLabel(/Search by title/));
        await page.keyboard.type('Shelf Book 07');
        await key('Enter');
        await page.waitForURL(/q=Shelf/);
        const card = page.locator('.book-card').filter({ hasText: 'Shelf Book 07' });
        await tab.tabTo(card.getByRole('button', { name: 'Add to cart' }));
        await key('Enter');
        await page.waitForURL('**/cart');

        await tab.tabTo(page.getByRole('button', { name: 'Check out' }));
        await key('Enter');
        await page.waitForURL(/\/delivery\/\d+$/);
        // Where to ship, typed by keyboard ("A new address" is preselected; the country is Colombia).
        for (const [label, text] of [['Recipient', 'Kim Keyboard'], ['Street address', 'Carrera 43A # 1-50'], ['City', 'Medellín'], ['Department, state or region', 'Antioquia'], ['Phone', '300 123 4567']] as const) {
          await tab.tabTo(page.getByLabel(label, { exact: true }));
          await page.keyboard.type(text);
        }
        await tab.tabTo(page.locator('input[name="provider_id"]').first());
        await key('Space');
        await tab.tabTo(page.getByRole('button', { name: 'Continue to payment' }));
        await key('Enter');
        await page.waitForURL(/\/payment\/\d+$/);

        await tab.tabTo(page.getByLabel('Card number'));
        await page.keyboard.type('4242 4242 4242 4242');
        await tab.tabTo(page.getByLabel('Expiry (MM/YY)'));
        await page.keyboard.type('11/38');
        await tab.tabTo(page.getByLabel('Security code'));
        await page.keyboard.type('321');
        await key('Enter');
        await page.waitForURL(/\/purchases\/\d+$/);
        assert.match(await page.locator('h1').innerText(), /Paid/);
        assert.deepEqual(tab.problems, []);
      } finally {
        await tab.close();
      }
    });
  });
}
