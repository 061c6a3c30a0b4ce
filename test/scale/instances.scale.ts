// Two app instances behind the load balancer (deploy/local/scale-out.sh): one shop to the shopper,
// whichever instance answers, and an instance that is stopped loses nobody's request.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import sharp from 'sharp';
import { CHROMIUM, Tab } from '../e2e/harness.js';
import { browser, buyOne, exited, publishBook, registerShopper, sleep, startLoad, type Topology, scaleOutUp } from './topology.js';

let t: Topology;
before(async () => {
  t = await scaleOutUp();
});
after(() => t?.down());

/** GETs the path until another instance than `not` answers it (round robin: the next or the one after). */
async function fromTheOtherInstance(agent: ReturnType<typeof browser>, path: string, not: string) {
  for (let i = 0; i < 6; i++) {
    const res = await agent.get(path);
    if (res.headers['x-instance'] !== not) return res;
  }
  throw new Error(`${path} was always answered by ${not}`);
}

describe('two instances behind the load balancer', () => {
  test('the balancer ends TLS, redirects plain HTTP there and the instances trust its X-Forwarded-Proto', async () => {
    const http = await fetch(`http://127.0.0.1:${t.env.LB_HTTP_PORT}/book/catalog?q=dune`, { redirect: 'manual' });
    assert.equal(http.status, 301);
    assert.equal(http.headers.get('location'), `${t.base}/book/catalog?q=dune`);
    const page = await browser(t).get('/register');
    assert.equal(page.status, 200);
    // A production session cookie is Secure: only sent because the app believes the balancer's https.
    const cookie = String(page.headers['set-cookie'] ?? '');
    assert.match(cookie, /Secure/);
    assert.match(cookie, /HttpOnly/);
  });

  test('a shopper stays logged in on both instances; a cover uploaded through one is served by the other; a purchase made on one is listed on the other', async () => {
    const seller = await registerShopper(t, 'Sara Seller');
    const seen = new Set<string>();
    for (let i = 0; i < 6; i++) {
      const account = await seller.agent.get('/account');
      assert.equal(account.status, 200, 'still logged in');
      assert.match(account.text, /Sara Seller/);
      seen.add(String(account.headers['x-instance']));
    }
    assert.deepEqual([...seen].sort(), ['app1', 'app2'], 'the requests landed on both instances');

    const cover = await sharp({ create: { width: 300, height: 450, channels: 3, background: { r: 40, g: 90, b: 160 } } }).png().toBuffer();
    const book = await publishBook(seller.agent, { title: 'Parable of the Sower', price: '14.00', stock: '3' }, cover);
    const page = await seller.agent.get(`/book/${book.id}`);
    const coverUrl = /<img src="(\/uploads\/[^"]+)"/.exec(page.text)?.[1];
    assert.ok(coverUrl, 'the book page shows the uploaded cover');
    const image = await fromTheOtherInstance(browser(t), coverUrl, book.instance);
    assert.equal(image.status, 200);
    assert.match(String(image.headers['content-type']), /^image\//);
    assert.ok(Number(image.headers['content-length']) > 100, 'the image has its bytes');

    const buyer = await registerShopper(t, 'Bruno Buyer');
    const bought = await buyOne(buyer.agent, book.id);
    assert.equal(bought.status, 302);
    assert.ok(bought.purchaseId);
    const purchases = await fromTheOtherInstance(buyer.agent, '/purchases', bought.instance);
    assert.equal(purchases.status, 200);
    assert.match(purchases.text, /Parable of the Sower/);
  });

  test('in Chromium through the balancer: register, land on the catalog, every asset loads, no console error, axe clean', async () => {
    const browserApp = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    try {
      // The balancer's certificate is self-signed, as the ALB's ACM one is not: accepted here only.
      const tab = await Tab.open({ browser: browserApp, baseUrl: t.base }, 'desktop', { ignoreHTTPSErrors: true });
      const { page } = tab;
      await page.goto(`http://127.0.0.1:${t.env.LB_HTTP_PORT}/register`);
      assert.equal(new URL(page.url()).origin, t.base, 'plain HTTP was sent to HTTPS');
      await page.getByLabel('Your name').fill('Carla Chromium');
      await page.getByLabel('Email').fill(`carla.${Date.now()}@example.com`);
      await page.getByLabel('Password', { exact: true }).fill('a long and unusual passphrase');
      await page.getByLabel('Repeat the password').fill('a long and unusual passphrase');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL(/\/book\/catalog$/);
      await tab.check('scale-out-catalog');
      await tab.goto('/account');
      assert.match(await page.locator('main').innerText(), /Carla Chromium/);
      const styled = await page.evaluate(() => getComputedStyle(document.body).fontFamily);
      assert.ok(styled.length > 0, 'the stylesheet loaded');
      assert.deepEqual(tab.problems, []);
      await tab.close();
    } finally {
      await browserApp.close();
    }
  });

  test('an instance stopped with SIGTERM under load: not one request fails', async () => {
    const seller = await registerShopper(t, 'Lola Lister');
    const book = await publishBook(seller.agent, { title: 'Kindred', price: '9.50', stock: '5' });
    const paths = ['/book/catalog', `/book/${book.id}`, '/book/catalog?q=kindred', '/'];
    const load = startLoad(t, paths, 16);
    await sleep(2000);
    const pid = (await t.pids()).app1;
    assert.ok(pid, 'app1 runs');
    process.kill(pid, 'SIGTERM');
    assert.ok(await exited(pid), 'app1 shut down within its shutdown timeout');
    await sleep(2500); // the balancer serves on from app2 alone
    const result = await load.stop();

    assert.deepEqual(result.errors, [], 'no connection error reached a client');
    assert.deepEqual([...result.statuses.keys()], [200], `every answer was 200: ${JSON.stringify([...result.statuses])}`);
    assert.ok(result.total > 200, `a real load (${result.total} requests)`);
    assert.ok((result.byInstance.get('app1') ?? 0) > 0 && (result.byInstance.get('app2') ?? 0) > 0, 'both instances served before the stop');
    const pids = await t.pids();
    assert.equal(pids.app1, undefined, 'app1 is gone');
    assert.ok(pids.app2, 'app2 still runs');
  });
});
