import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { insertBook } from '../helpers/books.js';
import { createUser, loggedInAgent, login } from '../helpers/users.js';

let t: TestApp;
let sellerId: number;
const ids: Record<string, number> = {};

before(async () => {
  t = await startTestApp();
  sellerId = (await createUser(t.pool, { name: 'Maria Shelf' })).id;
  const day = (n: number) => new Date(Date.UTC(2026, 0, 1 + n));
  ids.dune = await insertBook(t.pool, sellerId, { title: 'Dune', author: 'Frank Herbert', isbn: '9780441172719', priceCents: 899, condition: 'fine', createdAt: day(30) });
  ids.emma = await insertBook(t.pool, sellerId, { title: 'Emma', author: 'Jane Austen', description: 'A matchmaker in Highbury.', priceCents: 450, stock: 0, condition: 'fair', createdAt: day(29) });
  ids.it = await insertBook(t.pool, sellerId, { title: 'It', author: 'Stephen King', priceCents: 2000, createdAt: day(28) });
  ids.xss = await insertBook(t.pool, sellerId, { title: '<script>alert("x")</script>', author: 'Mallory <img src=x onerror=alert(1)>', priceCents: 100, createdAt: day(27) });
  ids.hidden = await insertBook(t.pool, sellerId, { title: 'Hidden Dune Notes', author: 'Nobody', listed: false, createdAt: day(26) });
  // Older filler books for paging: 24 a page.
  for (let i = 0; i < 50; i++) {
    await insertBook(t.pool, sellerId, { title: `Filler Volume ${String(i).padStart(2, '0')}`, author: 'Series Writer', priceCents: 1000 + i, createdAt: day(-i) });
  }
});
after(() => t.close());

async function sessionRows(): Promise<number> {
  const [rows] = await t.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM sessions');
  return Number(rows[0]?.n);
}

const titlesIn = (html: string): string[] => [...html.matchAll(/<h2 class="book-title"><a href="\/book\/\d+">([^<]*)<\/a>/g)].map((m) => m[1] ?? '');

describe('browsing the catalog', () => {
  test('anonymous browsing creates no session, sets no cookie and shows a real shop page', async () => {
    const before = await sessionRows();
    for (const path of ['/', '/book/catalog', '/book/catalog?q=dune&page=2', `/book/${ids.dune}`, '/book/catalog?page=abc']) {
      const res = await t.agent().get(path);
      assert.equal(res.status, 200, path);
      assert.equal(res.headers['set-cookie'], undefined, `${path} sets no cookie`);
      assert.doesNotMatch(res.text, /name="_csrf"/, `${path} has no CSRF token`);
    }
    assert.equal(await sessionRows(), before);
    const page = await t.agent().get('/book/catalog');
    assert.match(page.text, /class="book-grid"/);
    assert.match(page.text, /\$8\.99/);
    assert.match(page.text, /Fine/);
    assert.match(page.text, /Sold by Maria Shelf/);
    assert.match(page.text, /Log in to buy/);
    assert.match(page.text, /no-cover\.svg/);
    assert.equal(titlesIn(page.text).length, 24);
    assert.equal(titlesIn(page.text)[0], 'Dune', 'newest first');
    assert.doesNotMatch(page.text, /Hidden Dune Notes/, 'unlisted books are not shown');
  });

  test('sold-out books say so and have no buy form; in-stock books have one for a logged-in shopper', async () => {
    const { agent } = await loggedInAgent(t);
    const emma = await agent.get(`/book/${ids.emma}`);
    assert.match(emma.text, /Sold out/);
    assert.doesNotMatch(emma.text, /action="\/buy\//);
    const dune = await agent.get(`/book/${ids.dune}`);
    assert.match(dune.text, new RegExp(`action="/buy/${ids.dune}"`));
    assert.match(dune.text, /name="quantity"/);
    const catalog = await agent.get('/book/catalog');
    assert.match(catalog.text, /name="quantity"/);
  });

  test('a <script> title is escaped on the catalog, the book page and the home page', async () => {
    for (const path of ['/book/catalog', `/book/${ids.xss}`, '/']) {
      const res = await t.agent().get(path);
      assert.ok(!res.text.includes('<script>alert'), `${path} must not contain the raw script`);
      assert.ok(!res.text.includes('<img src=x'), `${path} must not contain the raw img`);
      assert.match(res.text, /&lt;script&gt;alert\(&#34;x&#34;\)&lt;\/script&gt;/, path);
    }
  });

  test('search finds books by title, author, description and ISBN (both forms, with hyphens)', async () => {
    const find = async (q: string) => titlesIn((await t.agent().get(`/book/catalog?q=${encodeURIComponent(q)}`)).text);
    assert.deepEqual(await find('dune'), ['Dune']);
    assert.deepEqual(await find('Herbert'), ['Dune']);
    assert.deepEqual(await find('austen emma'), ['Emma']);
    assert.deepEqual(await find('highbury'), ['Emma']);
    assert.deepEqual(await find('matchma'), ['Emma'], 'the last word may be a prefix');
    assert.deepEqual(await find('978-0-441-17271-9'), ['Dune']);
    assert.deepEqual(await find('0441172717'), ['Dune'], 'the ISBN-10 of the same book');
    assert.deepEqual(await find('It'), ['It'], 'a word shorter than the FULLTEXT minimum');
    assert.deepEqual(await find('King It'), ['It']);
  });

  test('SQL and FULLTEXT metacharacters in q behave like text', async () => {
    for (const q of ["' OR 1=1 --", '"; DROP TABLE books; --', '+-><()~*"@', '%', '_', '\\', 'dune) OR (1=1']) {
      const res = await t.agent().get(`/book/catalog?q=${encodeURIComponent(q)}`);
      assert.equal(res.status, 200, q);
      assert.ok(titlesIn(res.text).length <= 1, `${q} does not match everything`);
    }
    const [rows] = await t.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM books');
    assert.equal(Number(rows[0]?.n), 55);
  });

  test('an empty result says so and offers to clear the search', async () => {
    const res = await t.agent().get('/book/catalog?q=zzyzx+quux');
    assert.equal(res.status, 200);
    assert.match(res.text, /No books match your search/);
    assert.match(res.text, /href="\/book\/catalog"[^>]*>Clear the search/);
    assert.match(res.text, /value="zzyzx quux"/, 'the search is kept in the box');
  });

  test('filters: condition, price range, in stock; sorts by price and title', async () => {
    const get = async (qs: string) => titlesIn((await t.agent().get(`/book/catalog?${qs}`)).text);
    assert.deepEqual(await get('condition=fair'), ['Emma']);
    assert.deepEqual(await get('min_price=4&max_price=9'), ['Dune', 'Emma']);
    assert.deepEqual(await get('max_price=4.50&in_stock=1'), ['<script>alert("x")</script>'.replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&#34;')]);
    assert.ok(!(await get('in_stock=1&max_price=5')).includes('Emma'));
    assert.deepEqual((await get('sort=price_asc')).slice(0, 2), ['&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;', 'Emma']);
    assert.equal((await get('sort=price_desc'))[0], 'It');
    assert.equal((await get('sort=title'))[0], '&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;');
    assert.deepEqual(await get('min_price=9&max_price=4'), ['Dune', 'Emma'], 'a swapped range is read the right way round');
  });

  test('pages hold 24 books and link to each other keeping the filters', async () => {
    const first = await t.agent().get('/book/catalog?sort=title');
    assert.match(first.text, /href="\/book\/catalog\?sort=title&amp;page=2"/);
    const third = await t.agent().get('/book/catalog?sort=title&page=3');
    assert.equal(titlesIn(third.text).length, 54 - 48);
    assert.match(third.text, /Page 3 of 3/);
    assert.match(third.text, /href="\/book\/catalog\?sort=title&amp;page=2"/);
    assert.doesNotMatch(third.text, /rel="next"/);
    const beyond = await t.agent().get('/book/catalog?page=40');
    assert.equal(beyond.status, 200);
    assert.match(beyond.text, /There are no books on page 40/);
  });

  test('walking the pages shows every listed book exactly once, from a cold or a remembered page start', async () => {
    const [rows] = await t.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM books WHERE listed = 1');
    for (const sort of ['newest', 'title', 'price_asc', 'price_desc']) {
      // Page 3 first (its start is not known yet: an OFFSET read), then 1, 2, 3 (known: keyset reads).
      const cold = titlesIn((await t.agent().get(`/book/catalog?sort=${sort}&page=3`)).text);
      const seen: string[] = [];
      for (const page of [1, 2, 3]) seen.push(...titlesIn((await t.agent().get(`/book/catalog?sort=${sort}&page=${page}`)).text));
      assert.equal(seen.length, Number(rows[0]?.n), sort);
      assert.equal(new Set(seen).size, seen.length, `${sort}: no book twice`);
      assert.deepEqual(seen.slice(48), cold, `${sort}: page 3 is the same either way`);
    }
  });

  test('malformed parameters fall back and say so, never 500', async () => {
    for (const qs of ['page=-1', 'page=abc', 'page=0', 'page=1e3', 'page=99999999999', 'min_price=x', 'max_price=-3', 'condition=mint', 'sort=evil', 'in_stock=maybe', 'q[]=a&q[]=b', 'page[x]=1']) {
      const res = await t.agent().get(`/book/catalog?${qs}`);
      assert.equal(res.status, 200, qs);
      assert.ok(titlesIn(res.text).length > 0, qs);
    }
    const long = await t.agent().get(`/book/catalog?q=${'a'.repeat(5000)}`);
    assert.equal(long.status, 200, 'a 5,000-character search');
    const bad = await t.agent().get('/book/catalog?page=abc&min_price=x');
    assert.match(bad.text, /There is no page &#34;abc&#34;/);
    assert.match(bad.text, /The lowest price &#34;x&#34; is not a price, so it was ignored/);
    // The same notes in the reader's language.
    const spanish = await t.agent().get('/book/catalog?page=abc&max_price=x').set('Accept-Language', 'es-CO');
    assert.match(spanish.text, /No hay una página «abc», así que se muestra la primera\./);
    assert.match(spanish.text, /El precio máximo «x» no es un precio, así que no se tuvo en cuenta\./);
  });

  test('book pages: all fields, 404 for abc, unknown ids and unlisted books', async () => {
    const res = await t.agent().get(`/book/${ids.dune}`);
    assert.equal(res.status, 200);
    for (const text of ['Dune', 'Frank Herbert', '9780441172719', 'Fine', '$8.99', 'Maria Shelf', '1 copy in stock']) assert.ok(res.text.includes(text), text);
    assert.equal((await t.agent().get('/book/abc')).status, 404);
    assert.equal((await t.agent().get('/book/0')).status, 404);
    assert.equal((await t.agent().get('/book/99999999')).status, 404);
    assert.equal((await t.agent().get(`/book/${ids.hidden}`)).status, 404);
  });

  test('the home page shows recently listed books', async () => {
    const res = await t.agent().get('/');
    assert.match(res.text, /Recently listed/);
    assert.match(res.text, /Dune/);
    assert.doesNotMatch(res.text, /Hidden Dune Notes/);
  });

  test('a page reused for two seconds still shows each book as it is now: stock, price, unlisting', async () => {
    const q = '/book/catalog?q=Filler&sort=price_asc';
    const first = await t.agent().get(q);
    assert.match(first.text, /Filler Volume 00/);
    const id = (await t.pool.query<RowDataPacket[]>("SELECT id FROM books WHERE title = 'Filler Volume 01'"))[0][0]!.id as number;
    const gone = ids.hidden; // not listed: never shown
    await t.pool.execute('UPDATE books SET stock = 0, price_cents = 1234 WHERE id = ?', [id]);
    await t.pool.execute("UPDATE books SET listed = 0 WHERE title = 'Filler Volume 00'");
    try {
      const again = await t.agent().get(q);
      assert.doesNotMatch(again.text, /Filler Volume 00/, 'an unlisted book leaves the page at once');
      const card = again.text.slice(again.text.indexOf('Filler Volume 01'));
      assert.match(card.slice(0, 600), /\$12\.34/, 'the current price');
      assert.match(card.slice(0, 900), /Sold out/, 'the current stock');
      assert.doesNotMatch(again.text, new RegExp(`/book/${gone}"`));
    } finally {
      await t.pool.execute("UPDATE books SET listed = 1 WHERE title = 'Filler Volume 00'");
      await t.pool.execute('UPDATE books SET stock = 1, price_cents = 1001 WHERE id = ?', [id]);
    }
  });

  test('a public page rendered before is sent again only for exactly the same inputs', async () => {
    const path = `/book/${ids.it}`;
    const first = await t.agent().get(path);
    const second = await t.agent().get(path);
    assert.equal(second.text, first.text);
    assert.equal(second.headers.etag, first.headers.etag);
    assert.match(String(second.headers['cache-control']), /public/);
    const revalidated = await t.agent().get(path).set('If-None-Match', String(first.headers.etag));
    assert.equal(revalidated.status, 304);

    // Another language is another page.
    const spanish = await t.agent().get(path).set('Accept-Language', 'es-CO');
    assert.match(spanish.text, /<html lang="es"/);
    assert.notEqual(spanish.headers.etag, first.headers.etag);

    // A changed row renders afresh on the very next request (no time-based reuse).
    await t.pool.execute('UPDATE books SET price_cents = 2345 WHERE id = ?', [ids.it!]);
    try {
      const changed = await t.agent().get(path);
      assert.match(changed.text, /\$23\.45/);
      assert.notEqual(changed.headers.etag, first.headers.etag);
    } finally {
      await t.pool.execute('UPDATE books SET price_cents = 2000 WHERE id = ?', [ids.it!]);
    }

    // A logged-in visitor never gets the anonymous render: their page is their own and no-store.
    const { agent } = await loggedInAgent(t);
    const mine = await agent.get(path);
    assert.match(mine.text, /action="\/logout"/);
    assert.match(String(mine.headers['cache-control']), /no-store/);
    const anonymousAgain = await t.agent().get(path);
    assert.equal(anonymousAgain.text, first.text);
    assert.doesNotMatch(anonymousAgain.text, /action="\/logout"|name="_csrf"/);
  });

  test('a logged-in page is reused only for the same user and inputs, with its own tokens in every answer', async () => {
    const path = '/book/catalog?q=Filler';
    const { agent, user } = await loggedInAgent(t);
    const checkoutTokens = (html: string) => [...html.matchAll(/name="checkout_token" value="([^"]+)"/g)].map((m) => m[1]!);
    const csrfTokens = (html: string) => new Set([...html.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1]!));
    const withoutTokens = (html: string) => html.replace(/(name="(?:_csrf|checkout_token)" value=")[^"]+"/g, '$1"');
    assert.match((await agent.get(path)).text, /Welcome back/); // the login's flash: this answer only
    const first = await agent.get(path);
    const second = await agent.get(path);
    assert.doesNotMatch(first.text, /Welcome back/);
    assert.ok(withoutTokens(second.text) === withoutTokens(first.text), 'the same page but for its tokens');
    assert.equal(checkoutTokens(first.text).length, 24);
    const all = [...checkoutTokens(first.text), ...checkoutTokens(second.text)];
    assert.equal(new Set(all).size, 48, 'every buy form of every answer has a checkout token of its own');
    assert.ok(all.every((token) => /^[0-9a-f-]{36}$/.test(token)));
    assert.deepEqual([...csrfTokens(second.text)], [...csrfTokens(first.text)], "the session's one CSRF token");
    assert.equal(csrfTokens(first.text).size, 1);
    assert.doesNotMatch(second.text, /bookstore-slot/);
    assert.match(String(second.headers['cache-control']), /private, no-store/);
    assert.equal(second.headers.etag, undefined);

    // A form from the reused page works: its tokens are the session's and new.
    const [, bookId, token] = /action="\/buy\/(\d+)"[\s\S]*?name="checkout_token" value="([^"]+)"/.exec(second.text)!;
    const bought = await agent.post(`/buy/${bookId}`).type('form').send({ _csrf: [...csrfTokens(second.text)][0], checkout_token: token, quantity: '1' });
    assert.equal(bought.status, 302);
    const [rows] = await t.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM purchases WHERE buyer_id = ? AND checkout_token = ?', [user.id, token]);
    assert.equal(Number(rows[0]?.n), 1);

    // Another user's page is their own: the seller sees their books as theirs, with no buy forms.
    const seller = t.agent();
    const sellerRow = await t.pool.query<RowDataPacket[]>('SELECT email FROM users WHERE id = ?', [sellerId]);
    await login(seller, String(sellerRow[0][0]?.email));
    const sellers = await seller.get(path);
    assert.match(sellers.text, /This is your book\./);
    assert.equal(checkoutTokens(sellers.text).length, 0);
    assert.doesNotMatch((await agent.get(path)).text, /This is your book\./);

    // A change to the user shows on the next answer (here: made an admin), and a disabled
    // account is anonymous at once.
    await t.pool.execute("UPDATE users SET role = 'admin' WHERE id = ?", [user.id]);
    assert.match((await agent.get(path)).text, /href="\/admin\/users"/);
    await t.pool.execute('UPDATE users SET disabled_at = NOW() WHERE id = ?', [user.id]);
    const disabled = await agent.get(path);
    assert.doesNotMatch(disabled.text, /action="\/logout"|href="\/admin\/users"/);
    assert.match(disabled.text, /Log in to buy/);
  });

  test('which books a page shows is reused for two seconds at most', async () => {
    const { PageStarts } = await import('../../src/catalog/catalog.pages.js');
    const starts = new PageStarts();
    starts.setPage('scope', 1, { ids: [1, 2], rows: 2 }, 1_000);
    assert.deepEqual(starts.page('scope', 1, 2_999)?.ids, [1, 2]);
    assert.equal(starts.page('scope', 1, 3_001), undefined);
    assert.equal(starts.page('scope', 2, 1_500), undefined);
  });
});
