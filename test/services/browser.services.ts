// The whole split shop in real Chromium, through the nginx generated from k8s/base/ingress.yaml (TLS,
// /auth, /book and /order rewritten to three service processes): sell, find, fill a cart from two
// sellers, give an address, pay, see it as buyer and seller, log out everywhere. Every page is
// checked with axe, and any console error, failed asset or CSP violation fails the test.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { jpeg } from '../helpers/books.js';
import { uniqueEmail } from '../helpers/users.js';
import { CHROMIUM } from '../e2e/harness.js';
import { startTopology, type Topology } from './topology.js';

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PASSWORD = 'reading on the night bus';

let t: Topology;
let browser: Browser;
let coverPath: string;
before(async () => {
  t = await startTopology();
  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
  coverPath = join(mkdtempSync(join(tmpdir(), 'bookstore-services-e2e-')), 'cover.jpg');
  writeFileSync(coverPath, await jpeg());
});
after(async () => {
  await browser?.close();
  await t?.close();
});

/** A browser window of one person: English, the Ingress's self-signed certificate accepted. */
class Person {
  readonly problems: string[] = [];
  private constructor(
    readonly context: BrowserContext,
    readonly page: Page,
  ) {
    page.on('console', (msg) => msg.type() === 'error' && this.problems.push(`console on ${page.url()}: ${msg.text()}`));
    page.on('pageerror', (err) => this.problems.push(`page error on ${page.url()}: ${err.message}`));
    // A 4xx document can be the answer on purpose (a form's 422); a failed asset never is.
    page.on('response', (res) => {
      if (res.status() >= 400 && !res.request().isNavigationRequest()) this.problems.push(`${res.status()} ${res.url()}`);
    });
  }

  static async open(): Promise<Person> {
    const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US', viewport: { width: 1280, height: 900 } });
    await context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
    });
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    return new Person(context, page);
  }

  async goto(path: string): Promise<void> {
    await this.page.goto(`${t.base}${path}`);
  }

  path(): string {
    return new URL(this.page.url()).pathname;
  }

  /** axe-core on the current page: serious and critical violations count as problems. */
  async check(): Promise<void> {
    await this.page.evaluate(axeSource);
    const found = await this.page.evaluate(async () => {
      const axe = (window as unknown as { axe: { run(d: Document): Promise<{ violations: { id: string; impact: string }[] }> } }).axe;
      return (await axe.run(document)).violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => v.id);
    });
    for (const id of found) this.problems.push(`axe ${id} on ${this.page.url()}`);
  }

  async register(name: string): Promise<string> {
    const email = uniqueEmail(name.toLowerCase().replace(/\W+/g, '.'));
    await this.goto('/auth/register');
    await this.page.getByLabel('Your name').fill(name);
    await this.page.getByLabel('Email').fill(email);
    await this.page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await this.page.getByLabel('Repeat the password').fill(PASSWORD);
    await this.page.getByRole('button', { name: 'Create account' }).click();
    await this.page.waitForURL(`${t.base}/book/catalog`).catch(async (err: unknown) => {
      throw new Error(`registration stayed on ${this.page.url()}: ${(await this.page.locator('body').innerText()).replace(/\s+/g, ' ').slice(0, 600)} ${this.problems.join(' | ')} ${await this.page.locator('form').last().getAttribute('action')}`, { cause: err });
    });
    return email;
  }

  async sell(title: string, price: string): Promise<string> {
    await this.page.getByRole('link', { name: 'Sell' }).click();
    await this.page.waitForURL(`${t.base}/book/add_book`);
    await this.page.getByLabel('Title').fill(title);
    await this.page.getByLabel('Author').fill('Octavia E. Butler');
    await this.page.getByLabel('Description').fill('A used copy, no marks.');
    await this.page.getByLabel('Condition').selectOption('good');
    await this.page.getByLabel('Price ($)').fill(price);
    await this.page.getByLabel('Copies in stock').fill('2');
    await this.page.getByLabel('Cover photo (optional)').setInputFiles(coverPath);
    await this.check();
    await this.page.getByRole('button', { name: 'List the book' }).click();
    await this.page.waitForURL(/\/book\/\d+$/);
    return this.path();
  }

  async logOut(): Promise<void> {
    await this.page.getByRole('button', { name: 'Log out' }).click();
    await this.page.waitForURL(/\/auth\/login\?logged_out=1$/);
  }

  close(): Promise<void> {
    return this.context.close();
  }
}

const main = (p: Person) => p.page.locator('main').innerText();

describe('the split shop in Chromium, through the Ingress', () => {
  test('sell, find, cart from two sellers, address, pay, see it as buyer and seller, log out everywhere', async () => {
    const ada = await Person.open();
    const ben = await Person.open();
    const cleo = await Person.open();
    try {
      // Two sellers list a book each, with a cover, on catalog; their accounts live in auth.
      const adaEmail = await ada.register('Ada Seller');
      const kindred = await ada.sell('Kindred', '12.50');
      const cover = ada.page.locator('img.cover-large');
      assert.match(String(await cover.getAttribute('src')), /^\/book\/uploads\/covers\/[\w-]+\.webp$/);
      assert.ok(await cover.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the cover loads through the Ingress');
      await ada.check();
      await ben.register('Ben Seller');
      await ben.sell('Parable of the Sower', '9.00');

      // The shopper finds both, fills a cart on order, and checks out.
      await cleo.register('Cleo Shopper');
      await cleo.page.getByLabel(/Search by title/).fill('Kindred');
      await cleo.page.getByLabel(/Search by title/).press('Enter');
      await cleo.page.waitForURL(/\/book\/catalog\?q=Kindred/);
      await cleo.check();
      await cleo.page.getByRole('link', { name: 'Kindred' }).first().click();
      await cleo.page.waitForURL(`${t.base}${kindred}`);
      await cleo.page.getByRole('button', { name: 'Add to cart' }).click();
      await cleo.page.waitForURL(`${t.base}/order/cart`);
      await cleo.goto(`/book/catalog?q=${encodeURIComponent('Parable')}`);
      await cleo.page.getByRole('link', { name: 'Parable of the Sower' }).first().click();
      await cleo.page.getByRole('button', { name: 'Add to cart' }).click();
      await cleo.page.waitForURL(`${t.base}/order/cart`);
      const cart = await main(cleo);
      assert.match(cart, /Kindred/);
      assert.match(cart, /Parable of the Sower/);
      assert.match(cart, /\$21\.50/, 'the total is 12.50 + 9.00');
      await cleo.check();
      await cleo.page.getByRole('button', { name: 'Check out' }).click();
      await cleo.page.waitForURL(/\/order\/delivery\/\d+$/);
      const purchasePath = cleo.path().replace('/order/delivery/', '/order/purchases/');

      // Where and how: the address goes to auth's address book, order keeps its copy.
      await cleo.page.getByRole('radio', { name: /Servientrega/ }).check();
      await cleo.page.getByLabel('Recipient').fill('Cleo Shopper');
      await cleo.page.getByLabel('Street address').fill('Carrera 7 # 71-21');
      await cleo.page.getByLabel('City', { exact: true }).fill('Bogotá');
      await cleo.page.getByLabel('Department, state or region').fill('Cundinamarca');
      await cleo.page.getByLabel('Country').selectOption('CO');
      await cleo.page.getByLabel('Phone').fill('+57 301 555 0101');
      await cleo.check();
      await cleo.page.getByRole('button', { name: 'Continue to payment' }).click();
      await cleo.page.waitForURL(/\/order\/payment\/\d+$/);
      await cleo.check();
      await cleo.page.getByLabel('Card number').fill('4242 4242 4242 4242');
      await cleo.page.getByLabel('Expiry (MM/YY)').fill('12/39');
      await cleo.page.getByLabel('Security code').fill('123');
      await cleo.page.getByRole('button', { name: /^Pay/ }).click();
      await cleo.page.waitForURL(`${t.base}${purchasePath}`);
      assert.match(await main(cleo), /Paid|Preparing/i);
      assert.match(await cleo.page.locator('address.ship-to').innerText(), /Carrera 7 # 71-21[\s\S]*Bogotá/);
      await cleo.check();

      // The seller sees the sale and where to send it, on order; the header links all carry prefixes.
      await ada.page.getByRole('link', { name: 'Sales' }).click();
      await ada.page.waitForURL(`${t.base}/order/sales`);
      const sales = await main(ada);
      assert.match(sales, /Kindred/);
      assert.match(sales, /Carrera 7 # 71-21/);
      assert.doesNotMatch(sales, /Parable of the Sower/, "Ben's item is not Ada's to see");
      await ada.check();

      // Logging out at auth ends the session on catalog and order too.
      await cleo.logOut();
      await cleo.goto(purchasePath);
      await cleo.page.waitForURL(/\/auth\/login\?next=/);
      await cleo.goto('/book/catalog');
      assert.ok(await cleo.page.getByRole('link', { name: 'Log in' }).isVisible(), 'catalog shows the visitor as logged out');

      // Ada logs in again through the form and lands back where she asked to go.
      await ada.logOut();
      await ada.goto('/order/sales');
      await ada.page.waitForURL(/\/auth\/login\?next=%2Fsales$/);
      await ada.page.getByLabel('Email').fill(adaEmail);
      await ada.page.getByLabel('Password').fill(PASSWORD);
      await ada.page.getByRole('button', { name: 'Log in' }).click();
      await ada.page.waitForURL(`${t.base}/order/sales`);

      assert.deepEqual([...ada.problems, ...ben.problems, ...cleo.problems], []);
    } finally {
      await Promise.all([ada.close(), ben.close(), cleo.close()]);
    }
  });
});
