// The project's view engine renders exactly what EJS's own renderFile renders, page for page,
// for anonymous and logged-in visitors, with the view cache on (as in production) and off.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import ejs from 'ejs';
import { ejsViewEngine } from '../../src/http/views.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { buyAndPay, createBook, providerIds } from '../helpers/orders.js';
import { createUser, login } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

/**
 * Two new instances on the test database: ours, and one rendering with EJS's own engine (its
 * include() and its copies of the locals). New for each run, so neither reuses what a page showed
 * a moment ago (the catalog keeps which books a page shows for two seconds).
 */
function pair(): { ours: TestApp; reference: TestApp } {
  const ours = t.sibling();
  const reference = t.sibling();
  reference.app.engine('ejs', (ejs as unknown as { renderFile: Parameters<typeof reference.app.engine>[1] }).renderFile);
  return { ours, reference };
}

// Per-request values (form tokens, the request id) differ between any two renders.
const normalise = (html: string) =>
  html
    .replace(/name="(_csrf|checkout_token)" value="[^"]+"/g, 'name="$1" value="…"')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '…uuid…');

describe('view engine', () => {
  for (const cache of [true, false]) {
    test(`every page is byte for byte what EJS renders (view cache ${cache ? 'on' : 'off'})`, async () => {
      const { ours, reference } = pair();
      ours.app.engine('ejs', ejsViewEngine());
      ours.app.set('view cache', cache);
      reference.app.set('view cache', cache);
      const seller = await createUser(t.pool, { name: 'Seller <b>&amp;</b>' });
      const book = await createBook(t.pool, seller.id, { title: 'Title with <script>alert(1)</script> & "quotes"', stock: 4 });
      for (let i = 0; i < 30; i++) await createBook(t.pool, seller.id, { title: `Filler ${i}`, stock: i % 3 });
      const [provider] = await providerIds(t.pool);
      const buyer = await createUser(t.pool);
      const admin = await createUser(t.pool, { role: 'admin' });
      const agents = { anonymous: [ours.agent(), reference.agent()], buyer: [ours.agent(), reference.agent()], admin: [ours.agent(), reference.agent()] };
      for (const a of agents.buyer) assert.equal((await login(a, buyer.email)).status, 302);
      for (const a of agents.admin) assert.equal((await login(a, admin.email)).status, 302);
      const purchase = await buyAndPay(agents.buyer[0]!, book, provider!.id);
      for (const a of [...agents.buyer, ...agents.admin]) await a.get('/account'); // shows (and so clears) the flash messages

      const pages: Record<keyof typeof agents, string[]> = {
        anonymous: ['/', '/book/catalog', '/book/catalog?page=2', '/book/catalog?q=filler&sort=title', '/book/catalog?min_price=abc', `/book/${book}`, '/book/999999', '/login', '/register', '/track', '/nothing-here'],
        buyer: ['/', '/book/catalog', `/book/${book}`, '/account', '/purchases', `/purchases/${purchase}`, '/cart', '/sales', '/book/my_books', '/book/add_book', `/buy/${book}`],
        admin: ['/admin/users', '/admin/delivery_providers', `/admin/delivery_providers/${provider!.id}`, '/admin/purchases', `/purchases/${purchase}`],
      };
      let compared = 0;
      for (const [who, paths] of Object.entries(pages) as [keyof typeof agents, string[]][]) {
        const [ours, theirs] = agents[who];
        for (const path of paths) {
          const [a, b] = [await ours!.get(path), await theirs!.get(path)];
          assert.equal(a.status, b.status, `${who} ${path}`);
          assert.ok(a.text.length > 500, `${who} ${path} rendered a page`);
          const [x, y] = [normalise(a.text), normalise(b.text)];
          let at = 0;
          while (at < x.length && x[at] === y[at]) at++;
          assert.equal(x, y, `${who} ${path} differs at ${at}: ${JSON.stringify(x.slice(at - 80, at + 80))} vs ${JSON.stringify(y.slice(at - 80, at + 80))}`);
          compared++;
        }
      }
      assert.equal(compared, 27);
    });
  }
});
