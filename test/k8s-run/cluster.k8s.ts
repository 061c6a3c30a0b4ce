// `npm run test:k8s`: the rendered local overlay (kubectl kustomize k8s/overlays/local) run as its
// pod specs say, as Docker containers on one network (test/k8s-run/cluster.ts), with the Secret made
// by k8s/make-secrets.sh as docs/services.md tells an operator, behind the nginx generated from the
// rendered Ingresses. Through it: the shop's journey (over HTTP, then in Chromium), a rolling restart
// of every Deployment under a checkout load, a pod that stops answering its probes, and a read-only
// database.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { chromium } from 'playwright-core';
import { Cluster } from './cluster.js';
import { docker, dockerOk, engineMissing } from '../docker/lib.js';
import { agent, checkout, publish, register, type Agent, type Tally } from './shop.js';
import { CHROMIUM } from '../e2e/harness.js';
import { bookForm, jpeg } from '../helpers/books.js';
import { shopInChromium } from '../services/browser-journey.js';
import { ADDRESS } from '../helpers/orders.js';
import { csrfFrom, PASSWORD } from '../helpers/users.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // the front proxy's certificate is self-signed
const skip = engineMissing('test:k8s');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the local overlay, run as its manifests say', { skip, timeout: 15 * 60_000 }, () => {
  let c: Cluster;
  let db: mysql.Connection;
  const summary: string[] = [];
  const rows = async (sql: string, params: unknown[] = []) => (await db.query<mysql.RowDataPacket[]>(sql, params))[0];

  before(async () => {
    c = new Cluster(execFileSync('kubectl', ['kustomize', 'k8s/overlays/local'], { encoding: 'utf8' }));
    summary.push(`images: ${(await c.images()).join(', ')}`);
    await c.up();
    const secret = c.kind('Secret')[0]!.data!;
    const mariadb = c.pods.find((p) => p.name === 'mariadb-0')!;
    db = await mysql.createConnection({ host: mariadb.ip, user: 'root', password: secret['db-root-password'] });
    summary.push(`pods started: ${c.started} (${c.pods.map((p) => p.name).join(', ')})`);
  });
  after(async () => {
    if (c) {
      const p = c.probeTotals();
      summary.push(`pods started in all: ${c.started}; container restarts: ${c.pods.reduce((n, x) => n + x.restarts, 0)}`);
      summary.push(`probes: startup ${p.startup.ok} ok / ${p.startup.failed} failed, liveness ${p.liveness.ok} / ${p.liveness.failed}, readiness ${p.readiness.ok} / ${p.readiness.failed}, liveness restarts ${p.livenessRestarts}`);
    }
    console.log(`\n# k8s run summary\n${summary.map((s) => `#   ${s}`).join('\n')}`);
    await db?.end();
    await c?.down();
  });

  test('every container runs with its spec\'s user, read-only root, capabilities, privileges and limits', async () => {
    for (const pod of c.pods) {
      const [user, ro, capDrop, secOpt, memory, cpus] = (await dockerOk(['inspect', '--format', '{{.Config.User}}|{{.HostConfig.ReadonlyRootfs}}|{{.HostConfig.CapDrop}}|{{.HostConfig.SecurityOpt}}|{{.HostConfig.Memory}}|{{.HostConfig.NanoCpus}}', pod.container])).split('|');
      const app = pod.name !== 'mariadb-0';
      assert.equal(user, app ? '1000:1000' : '999:999', pod.name);
      assert.equal(ro, app ? 'true' : 'false', `${pod.name}: readOnlyRootFilesystem`);
      assert.equal(capDrop, '[ALL]', pod.name);
      assert.equal(secOpt, '[no-new-privileges]', pod.name);
      assert.equal(Number(memory), app ? 320 * 2 ** 20 : 2 ** 30, pod.name);
      assert.equal(Number(cpus), app ? 0.5e9 : 1e9, pod.name);
      assert.equal((await dockerOk(['exec', pod.container, 'id', '-u'])).trim(), app ? '1000' : '999');
      if (app) assert.notEqual((await docker(['exec', pod.container, 'touch', '/app/x'])).status, 0, `${pod.name}: the root filesystem is read-only`);
    }
    // The local database made one user per service, with rights on its own database only.
    const grants = await rows("SELECT User, Db FROM mysql.db WHERE User LIKE 'bookstore%' ORDER BY User");
    assert.deepEqual(grants.map((g) => `${g.User} ${g.Db}`), ['bookstore_auth bookstore\\_auth', 'bookstore_catalog bookstore\\_catalog', 'bookstore_order bookstore\\_order']);
  });

  let seller: Agent;
  test('the journey through the Ingress: register, list a book, another account buys, chooses delivery, pays', async () => {
    const home = await agent(c.base).get('/');
    assert.equal(home.status, 200);
    assert.match(home.text, /href="\/book\/catalog"/);
    assert.equal((await agent(c.base).get('/no-such-page')).status, 404, 'the not-found Ingress: catalog\'s 404 page');
    seller = (await register(c.base, 'Ada')).agent;
    const title = `Kindred ${Date.now()}`;
    const book = await publish(seller, title);
    const page = await agent(c.base).get(`/book/${book}`);
    const cover = /src="(\/book\/uploads\/covers\/[^"]+\.webp)"/.exec(page.text)?.[1];
    assert.ok(cover, 'the cover is on the PVC, served by catalog');
    assert.equal((await agent(c.base).get(cover)).headers['content-type'], 'image/webp');
    const { agent: buyer } = await register(c.base, 'Cleo');
    const tally: Tally = { requests: 0, failed: [] };
    const { id } = await checkout(buyer, book, tally);
    assert.deepEqual(tally.failed, []);
    assert.ok(id);
    const [purchase] = await rows('SELECT status FROM bookstore_order.purchases WHERE id = ?', [id]);
    assert.equal(purchase?.status, 'paid');
    const [stock] = await rows('SELECT stock FROM bookstore_catalog.books WHERE id = ?', [book]);
    assert.equal(stock?.stock, 2, 'catalog took the stock');
    const receipt = await buyer.get(`/order/purchases/${id}`);
    assert.equal(receipt.status, 200);
    assert.match(receipt.text, /Bea Buyer/);
  });

  test('the journey in Chromium through the Ingress (axe on every page, no console error, CSP violation or failed asset)', async () => {
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    const dir = mkdtempSync(join(tmpdir(), 'k8srun-chromium-'));
    try {
      writeFileSync(join(dir, 'cover.jpg'), await jpeg());
      // The Docker engine adds and removes container interfaces on this host (other suites share it);
      // Chromium then aborts what it has in flight with ERR_NETWORK_CHANGED, whatever the shop does.
      // Each pod has half a CPU (its limit): a bcrypt hash on a busy machine can take seconds.
      await shopInChromium(c.base, browser, join(dir, 'cover.jpg'), { shot: 'k8s', tolerate: /net::ERR_NETWORK_CHANGED$/, timeoutMs: 30_000 });
    } finally {
      await browser.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('a rolling restart of each Deployment under a checkout load: 0 failed requests, 0 lost or duplicated purchases', async () => {
    const STOCK = 10_000;
    const book = await publish(seller, `Parable ${Date.now()}`, STOCK);
    const buyers = await Promise.all(['Ben', 'Dee', 'Eli'].map(async (n) => (await register(c.base, n)).agent));
    const tally: Tally = { requests: 0, failed: [] };
    const paid: { id: number; token: string }[] = [];
    const tokens: string[] = [];
    let restarting = true;
    const load = buyers.map(async (b) => {
      while (restarting) {
        const r = await checkout(b, book, tally);
        tokens.push(r.token);
        if (r.id) paid.push({ id: r.id, token: r.token });
      }
    });
    const replaced: string[] = [];
    try {
      for (const d of c.kind('Deployment')) {
        const before = c.pods.filter((p) => !p.terminating && p.labels['app.kubernetes.io/name'] === d.metadata.name).map((p) => p.name);
        const { replaced: n } = await c.rolloutRestart(d.metadata.name);
        const now = c.pods.filter((p) => !p.terminating && p.labels['app.kubernetes.io/name'] === d.metadata.name).map((p) => p.name);
        assert.equal(now.filter((p) => before.includes(p)).length, 0, `${d.metadata.name}: every pod replaced`);
        // Surge first: each old pod's preStop comes after one more new pod was ready.
        const order = c.events.filter((e) => [...before, ...now].some((p) => e.endsWith(` ${p}`)) && !e.startsWith('unready'));
        order.forEach((e, i) => {
          if (!e.startsWith('preStop')) return;
          const done = order.slice(0, i);
          const ready = done.filter((x) => x.startsWith('ready') && now.some((p) => x === `ready ${p}`)).length;
          assert.ok(ready > done.filter((x) => x.startsWith('preStop')).length, `${d.metadata.name}: ${e} before a new pod was ready (${order.join(', ')})`);
        });
        replaced.push(`${d.metadata.name} ${n}`);
      }
    } finally {
      restarting = false;
      await Promise.all(load);
    }
    summary.push(`rolling restart: pods replaced ${replaced.join(', ')}; ${tally.requests} requests, ${tally.failed.length} failed; ${tokens.length} checkouts, ${paid.length} paid`);
    assert.deepEqual(tally.failed, [], 'no request failed');
    assert.equal(paid.length, tokens.length, 'every checkout was paid');
    assert.ok(paid.length >= 6, `a load: ${paid.length} checkouts`);
    const stored = await rows('SELECT id, checkout_token, status FROM bookstore_order.purchases WHERE checkout_token IN (?)', [tokens]);
    assert.equal(stored.length, tokens.length, 'one purchase per checkout: none lost, none duplicated');
    assert.deepEqual(stored.map((s) => String(s.status)).filter((s) => s !== 'paid'), []);
    assert.deepEqual(new Set(stored.map((s) => Number(s.id))), new Set(paid.map((p) => p.id)));
    const [stock] = await rows('SELECT stock FROM bookstore_catalog.books WHERE id = ?', [book]);
    assert.equal(stock?.stock, STOCK - paid.length, 'catalog took exactly one copy per purchase');
  });

  test('a pod that stops answering leaves its Service, its liveness probe restarts it, and it comes back', async () => {
    const pod = c.pods.find((p) => !p.terminating && p.labels['app.kubernetes.io/name'] === 'catalog')!;
    const restarts = pod.restarts;
    const mine = `${pod.ip}:5002`;
    await dockerOk(['pause', pod.container]);
    const statuses = new Set<number>();
    const until = Date.now() + 120_000;
    let left = false;
    while (pod.restarts === restarts || !pod.ready) {
      assert.ok(Date.now() < until, `${pod.name}: not restarted and ready within 120 s (restarts ${pod.restarts}, ready ${pod.ready})`);
      if (!c.endpoints('catalog').includes(mine)) left = true;
      if (left) statuses.add((await agent(c.base).get('/book/catalog')).status);
      await sleep(500);
    }
    assert.ok(left, 'the unready pod left the Service');
    assert.deepEqual([...statuses], [200], 'the catalog kept answering from the other pod');
    assert.ok(c.endpoints('catalog').includes(`${pod.ip}:5002`), 'back in the Service once ready');
    summary.push(`liveness: ${pod.name} paused, left the Service, restarted by its liveness probe, ready again`);
  });

  /** Runs `during` with the database read-only (as a fenced old primary is), and makes it writable again. */
  async function readOnly<T>(during: () => Promise<T>): Promise<T> {
    await db.query('SET GLOBAL read_only = 1');
    try {
      return await during();
    } finally {
      await db.query('SET GLOBAL read_only = 0');
    }
  }

  test('the database read-only for a while: pages answer 200, writes 503, nothing 500, and no pod leaves its Service', async () => {
    const { agent: buyer } = await register(c.base, 'Gus');
    const [book] = await rows('SELECT id FROM bookstore_catalog.books WHERE stock > 0 ORDER BY id LIMIT 1');
    const page = await buyer.get(`/book/${book?.id}`);
    const [account, addBook] = [await buyer.get('/auth/account'), await seller.get('/book/add_book')];
    const endpoints = ['auth', 'catalog', 'order'].map((s) => c.endpoints(s).length);
    const seen: string[] = [];
    const expect = async (what: string, req: PromiseLike<{ status: number }>, status: number) => {
      const res = await req;
      seen.push(`${what} ${res.status}`);
      assert.equal(res.status, status, what);
    };
    await readOnly(async () => {
      const until = Date.now() + 15_000; // longer than readiness needs to fail twice (2 × 5 s)
      while (Date.now() < until) {
        for (const path of ['/', '/book/catalog', `/book/${book?.id}`, '/auth/login']) await expect(`GET ${path}`, agent(c.base).get(path), 200);
        await expect('GET a logged-in page', buyer.get(`/book/${book?.id}`), 200);
        // One write of each service, by a logged-in shopper.
        await expect('POST buy (order)', buyer.post(`/order/buy/${book?.id}`).type('form').send({ _csrf: csrfFrom(page.text), quantity: '1', checkout_token: `ro-${Date.now()}` }), 503);
        await expect('POST address (auth)', buyer.post('/auth/account/addresses').type('form').send({ _csrf: csrfFrom(account.text), ...ADDRESS }), 503);
        await expect('POST book (catalog)', seller.post('/book/add_book').field('_csrf', csrfFrom(addBook.text)).field(bookForm()), 503);
        await sleep(1000);
      }
      assert.deepEqual(['auth', 'catalog', 'order'].map((s) => c.endpoints(s).length), endpoints, 'every pod stayed ready');
    });
    assert.ok(!seen.some((s) => s.endsWith(' 500')));
    const again = await buyer.post(`/order/buy/${book?.id}`).type('form').send({ _csrf: csrfFrom(page.text), quantity: '1', checkout_token: `rw-${Date.now()}` });
    assert.equal(again.status, 302, 'writes work again');
    summary.push(`read-only database: ${seen.length} requests, ${seen.filter((s) => s.startsWith('GET')).length} pages 200, ${seen.filter((s) => s.startsWith('POST')).length} writes 503, none 500`);
  });

  // A new visitor's session cannot be stored while the database is read-only, yet the form page goes
  // out (200): its POST must say the database is away (503), not that the form expired (403).
  test('a new visitor\'s form during a read-only database answers 503, not an expired form\'s 403', async () => {
    await readOnly(async () => {
      const visitor = agent(c.base);
      const form = await visitor.get('/auth/register');
      const res = await visitor.post('/auth/register').type('form').send({ _csrf: csrfFrom(form.text), name: 'Ro', email: `ro${Date.now()}@example.com`, password: PASSWORD, password_confirm: PASSWORD });
      assert.equal(res.status, 503);
    });
  });
});
