// The split shop's whole journey in real Chromium, through whatever serves the Ingress at `base`
// (the generated nginx in front of three processes, test/services/browser.services.ts, or of the
// rendered overlay's pods, test/k8s-run): sell, find, fill a cart from two sellers, give an address,
// pay, see it as buyer and seller, log out everywhere. Every page is checked with axe (screenshots
// named `<shot>-…`), and any console error, failed asset or CSP violation fails it.
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { uniqueEmail } from '../helpers/users.js';
import { Tab } from '../e2e/harness.js';

const PASSWORD = 'reading on the night bus';

const pathOf = (tab: Tab) => new URL(tab.page.url()).pathname;

async function register(base: string, tab: Tab, name: string): Promise<string> {
  const { page } = tab;
  const email = uniqueEmail(name.toLowerCase().replace(/\W+/g, '.'));
  await tab.goto('/auth/register');
  await page.getByLabel('Your name').fill(name);
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Repeat the password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.waitForURL(`${base}/book/catalog`);
  return email;
}

async function sell(base: string, coverPath: string, tab: Tab, title: string, price: string, shot: string): Promise<string> {
  const { page } = tab;
  await page.getByRole('link', { name: 'Sell' }).click();
  await page.waitForURL(`${base}/book/add_book`);
  await page.getByLabel('Title').fill(title);
  await page.getByLabel('Author').fill('Octavia E. Butler');
  await page.getByLabel('Description').fill('A used copy, no marks.');
  await page.getByLabel('Condition').selectOption('good');
  await page.getByLabel('Price ($)').fill(price);
  await page.getByLabel('Copies in stock').fill('2');
  await page.getByLabel('Cover photo (optional)').setInputFiles(coverPath);
  await tab.check(`${shot}-sell`);
  await page.getByRole('button', { name: 'List the book' }).click();
  await page.waitForURL(/\/book\/\d+$/);
  return pathOf(tab);
}

async function logOut(tab: Tab): Promise<void> {
  await tab.page.getByRole('button', { name: 'Log out' }).click();
  await tab.page.waitForURL(/\/auth\/login\?logged_out=1$/);
}

const main = (tab: Tab) => tab.page.locator('main').innerText();

/**
 * The journey; coverPath is a JPEG on disk (the cover the sellers upload). `shot` names the
 * screenshots; `tolerate`: problems that say something about the machine, not the shop, and
 * `timeoutMs` each step's wait (for services held to their CPU limits; see test/k8s-run/cluster.k8s.ts).
 */
export async function shopInChromium(base: string, browser: Browser, coverPath: string, opts: { shot?: string; tolerate?: RegExp; timeoutMs?: number } = {}): Promise<void> {
  const { shot = 'services', tolerate } = opts;
  /** One person's window on the Ingress (its certificate is self-signed, as cert-manager's is not). */
  const person = async () => {
    const tab = await Tab.open({ browser, baseUrl: base }, 'desktop', { ignoreHTTPSErrors: true });
    if (opts.timeoutMs) tab.page.setDefaultTimeout(opts.timeoutMs);
    return tab;
  };
  const [ada, ben, cleo] = await Promise.all([person(), person(), person()]);
  try {
    // Two sellers list a book each, with a cover, on catalog; their accounts live in auth.
    const adaEmail = await register(base, ada, 'Ada Seller');
    const kindred = await sell(base, coverPath, ada, 'Kindred', '12.50', shot);
    const cover = ada.page.locator('img.cover-large');
    assert.match(String(await cover.getAttribute('src')), /^\/book\/uploads\/covers\/[\w-]+\.webp$/);
    assert.ok(await cover.evaluate((img: HTMLImageElement) => img.complete && img.naturalWidth > 0), 'the cover loads through the Ingress');
    await ada.check(`${shot}-book`);
    await register(base, ben, 'Ben Seller');
    await sell(base, coverPath, ben, 'Parable of the Sower', '9.00', shot);

    // The shopper finds both, fills a cart on order, and checks out.
    await register(base, cleo, 'Cleo Shopper');
    await cleo.page.getByLabel(/Search by title/).fill('Kindred');
    await cleo.page.getByLabel(/Search by title/).press('Enter');
    await cleo.page.waitForURL(/\/book\/catalog\?q=Kindred/);
    await cleo.check(`${shot}-search`);
    await cleo.page.getByRole('link', { name: 'Kindred' }).first().click();
    await cleo.page.waitForURL(`${base}${kindred}`);
    await cleo.page.getByRole('button', { name: 'Add to cart' }).click();
    await cleo.page.waitForURL(`${base}/order/cart`);
    await cleo.goto(`/book/catalog?q=${encodeURIComponent('Parable')}`);
    await cleo.page.getByRole('link', { name: 'Parable of the Sower' }).first().click();
    await cleo.page.getByRole('button', { name: 'Add to cart' }).click();
    await cleo.page.waitForURL(`${base}/order/cart`);
    const cart = await main(cleo);
    assert.match(cart, /Kindred/);
    assert.match(cart, /Parable of the Sower/);
    assert.match(cart, /\$21\.50/, 'the total is 12.50 + 9.00');
    await cleo.check(`${shot}-cart`);
    await cleo.page.getByRole('button', { name: 'Check out' }).click();
    await cleo.page.waitForURL(/\/order\/delivery\/\d+$/);
    const purchasePath = pathOf(cleo).replace('/order/delivery/', '/order/purchases/');

    // Where and how: the address goes to auth's address book, order keeps its copy.
    // One box per seller, each with its carrier.
    const carriers = await cleo.page.getByRole('radio', { name: /Servientrega/ }).all();
    assert.equal(carriers.length, 2, 'a parcel per seller');
    for (const radio of carriers) await radio.check();
    await cleo.page.getByLabel('Recipient').fill('Cleo Shopper');
    await cleo.page.getByLabel('Street address').fill('Carrera 7 # 71-21');
    await cleo.page.getByLabel('City', { exact: true }).fill('Bogotá');
    await cleo.page.getByLabel('Department, state or region').fill('Cundinamarca');
    await cleo.page.getByLabel('Country').selectOption('CO');
    await cleo.page.getByLabel('Phone').fill('+57 301 555 0101');
    await cleo.check(`${shot}-delivery`);
    await cleo.page.getByRole('button', { name: 'Continue to payment' }).click();
    await cleo.page.waitForURL(/\/order\/payment\/\d+$/);
    await cleo.check(`${shot}-payment`);
    await cleo.page.getByLabel('Card number').fill('4242 4242 4242 4242');
    await cleo.page.getByLabel('Expiry (MM/YY)').fill('12/39');
    await cleo.page.getByLabel('Security code').fill('123');
    await cleo.page.getByRole('button', { name: /^Pay/ }).click();
    await cleo.page.waitForURL(`${base}${purchasePath}`);
    assert.match(await main(cleo), /Paid|Preparing/i);
    assert.match(await cleo.page.locator('address.ship-to').innerText(), /Carrera 7 # 71-21[\s\S]*Bogotá/);
    await cleo.check(`${shot}-purchase`);

    // The seller sees the sale and where to send it, on order; the header links all carry prefixes.
    await ada.page.getByRole('link', { name: 'Sales' }).click();
    await ada.page.waitForURL(`${base}/order/sales`);
    const sales = await main(ada);
    assert.match(sales, /Kindred/);
    assert.match(sales, /Carrera 7 # 71-21/);
    assert.doesNotMatch(sales, /Parable of the Sower/, "Ben's item is not Ada's to see");
    await ada.check(`${shot}-sales`);

    // Logging out at auth ends the session on catalog and order too.
    await logOut(cleo);
    await cleo.goto(purchasePath);
    await cleo.page.waitForURL(/\/auth\/login\?next=/);
    await cleo.goto('/book/catalog');
    assert.ok(await cleo.page.getByRole('link', { name: 'Log in' }).isVisible(), 'catalog shows the visitor as logged out');

    // Ada logs in again through the form and lands back where she asked to go.
    await logOut(ada);
    await ada.goto('/order/sales');
    await ada.page.waitForURL(/\/auth\/login\?next=%2Fsales$/);
    await ada.page.getByLabel('Email').fill(adaEmail);
    await ada.page.getByLabel('Password').fill(PASSWORD);
    await ada.page.getByRole('button', { name: 'Log in' }).click();
    await ada.page.waitForURL(`${base}/order/sales`);

    assert.deepEqual([...ada.problems, ...ben.problems, ...cleo.problems].filter((p) => !tolerate?.test(p)), []);
  } finally {
    await Promise.all([ada.close(), ben.close(), cleo.close()]);
  }
}
