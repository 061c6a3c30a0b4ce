import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { bookForm, bookRow, countBooks, coverFiles, insertBook, jpeg, png } from '../helpers/books.js';
import { buyNow, csrfOf, purchaseIdFrom } from '../helpers/orders.js';
import { csrfFrom, loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

type Agent = Awaited<ReturnType<typeof loggedInAgent>>['agent'];

async function formToken(agent: Agent, path = '/book/add_book'): Promise<string> {
  const page = await agent.get(path);
  assert.equal(page.status, 200);
  return csrfFrom(page.text);
}

/** Posts the multipart form; the cover is optional. */
async function postBook(agent: Agent, fields: Record<string, string>, cover?: { bytes: Buffer; filename?: string; contentType?: string }, path = '/book/add_book', csrf?: string | null) {
  const token = csrf === undefined ? await formToken(agent, path === '/book/add_book' ? path : path) : csrf;
  let req = agent.post(path);
  if (token !== null) req = req.field('_csrf', token);
  for (const [k, v] of Object.entries(fields)) req = req.field(k, v);
  if (cover) req = req.attach('cover', cover.bytes, { filename: cover.filename ?? 'cover.jpg', contentType: cover.contentType ?? 'image/jpeg' });
  return req;
}

function idFrom(location: string | undefined): number {
  const match = /^\/book\/(\d+)$/.exec(location ?? '');
  assert.ok(match, `redirected to a book page, got ${location}`);
  return Number(match[1]);
}

describe('selling: add a book', () => {
  test('anonymous visitors are sent to log in', async () => {
    const res = await t.agent().get('/book/add_book');
    assert.equal(res.status, 302);
    assert.match(res.headers.location ?? '', /^\/login\?next=%2Fbook%2Fadd_book/);
  });

  test('a seller publishes a book with a photo: row stored in cents, WebP files on disk, served with nosniff', async () => {
    const { agent, user } = await loggedInAgent(t, { name: 'Sam Seller' });
    const before = coverFiles(t.uploadDir);
    const res = await postBook(agent, bookForm({ seller_id: '999999', listed: '0' }), { bytes: await jpeg(1600, 2400), filename: '../../x.jpg' });
    assert.equal(res.status, 302, res.text);
    const id = idFrom(res.headers.location);
    const row = await bookRow(t.pool, id);
    assert.equal(row?.seller_id, user.id, 'seller_id from the body is ignored');
    assert.equal(row?.listed, 1);
    assert.equal(row?.price_cents, 1250);
    assert.equal(row?.stock, 2);
    assert.equal(row?.isbn, '9780441478125');
    assert.equal(row?.book_condition, 'very_good');
    const key = String(row?.cover_key);
    assert.match(key, /^[0-9a-f-]{36}$/);
    const files = coverFiles(t.uploadDir).filter((f) => !before.includes(f));
    assert.deepEqual(files, [`${key}-thumb.webp`, `${key}.webp`]);
    assert.ok(!existsSync(join(t.uploadDir, 'x.jpg')) && !existsSync(join(t.uploadDir, '..', 'x.jpg')));
    const large = await sharp(readFileSync(join(t.uploadDir, 'covers', `${key}.webp`))).metadata();
    const thumb = await sharp(readFileSync(join(t.uploadDir, 'covers', `${key}-thumb.webp`))).metadata();
    assert.equal(large.format, 'webp');
    assert.ok(large.width <= 800 && large.height <= 1200, 'large cover is resized');
    assert.ok(thumb.width <= 300, 'thumbnail is small');

    const page = await agent.get(`/book/${id}`);
    assert.equal(page.status, 200);
    assert.match(page.text, /The Left Hand of Darkness/);
    assert.match(page.text, /\$12\.50/);
    assert.match(page.text, /Very good/);
    assert.match(page.text, /is now listed in the catalog/);
    assert.ok(page.text.includes(`/uploads/covers/${key}.webp`));
    const image = await t.agent().get(`/uploads/covers/${key}-thumb.webp`);
    assert.equal(image.status, 200);
    assert.equal(image.headers['content-type'], 'image/webp');
    assert.equal(image.headers['x-content-type-options'], 'nosniff');
    assert.match(String(image.headers['cache-control']), /max-age=31536000/);
  });

  test('PNG and WebP covers are accepted too, and a book without a cover gets the placeholder', async () => {
    const { agent } = await loggedInAgent(t);
    const fromPng = await postBook(agent, bookForm({ title: 'Png Book' }), { bytes: await png(), filename: 'c.png', contentType: 'image/png' });
    assert.equal(fromPng.status, 302);
    const webp = await sharp(await png()).webp().toBuffer();
    const fromWebp = await postBook(agent, bookForm({ title: 'Webp Book' }), { bytes: webp, filename: 'c.webp', contentType: 'image/webp' });
    assert.equal(fromWebp.status, 302);
    const none = await postBook(agent, bookForm({ title: 'Bare Book', isbn: '' }));
    assert.equal(none.status, 302);
    const row = await bookRow(t.pool, idFrom(none.headers.location));
    assert.equal(row?.cover_key, null);
    assert.equal(row?.isbn, null);
    const page = await agent.get(none.headers.location!);
    assert.match(page.text, /\/public\/img\/no-cover\.svg/);
  });

  const bad: [string, Record<string, string>, string, RegExp][] = [
    ['a negative price', { price: '-1' }, 'price', /Enter a price in dollars/],
    ['a zero price', { price: '0.00' }, 'price', /more than \$0\.00/],
    ['a huge price', { price: '1000000.01' }, 'price', /at most \$1,000,000\.00/],
    ['a price with three decimals', { price: '12.505' }, 'price', /Enter a price in dollars/],
    ['a price in words', { price: 'twelve' }, 'price', /Enter a price in dollars/],
    ['stock 1e9', { stock: '1e9' }, 'stock', /whole number/],
    ['stock of a billion', { stock: '1000000000' }, 'stock', /at most 10,000/],
    ['negative stock', { stock: '-3' }, 'stock', /whole number/],
    ['an ISBN with a bad check digit', { isbn: '978-0-441-47812-4' }, 'isbn', /check digit/],
    ['an ISBN-10 with a bad check digit', { isbn: '0-441-17271-8' }, 'isbn', /check digit/],
    ['no title', { title: '   ' }, 'title', /Enter the title/],
    ['a title too long', { title: 'x'.repeat(201) }, 'title', /at most 200/],
    ['an unknown condition', { condition: 'mint' }, 'condition', /Choose the condition/],
  ];
  for (const [label, override, field, message] of bad) {
    test(`${label} is refused with 422, the message by the field, the input kept, nothing stored`, async () => {
      const { agent, user } = await loggedInAgent(t);
      const res = await postBook(agent, bookForm({ title: 'Kept <Title>', ...override }), { bytes: await jpeg() });
      assert.equal(res.status, 422);
      assert.match(res.text, message);
      assert.match(res.text, new RegExp(`id="${field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*aria-describedby="${field}-error"|id="${field}-error"`));
      if (field !== 'title') assert.match(res.text, /value="Kept &lt;Title&gt;"/);
      assert.equal(await countBooks(t.pool, 'seller_id = ?', [user.id]), 0);
    });
  }

  test('a price with a decimal comma, as Spanish writes it, is read like one with a point; a thousands comma is not a price', async () => {
    const { agent } = await loggedInAgent(t);
    const comma = await postBook(agent, bookForm({ title: 'Cien años de soledad', price: '12,50' }));
    assert.equal(comma.status, 302);
    assert.equal((await bookRow(t.pool, idFrom(comma.headers.location)))?.price_cents, 1250);
    const one = await postBook(agent, bookForm({ title: 'La vorágine', price: '7,5' }));
    assert.equal((await bookRow(t.pool, idFrom(one.headers.location)))?.price_cents, 750);
    const thousands = await postBook(agent, bookForm({ title: 'María', price: '1,250' }));
    assert.equal(thousands.status, 422);
    assert.match(thousands.text, /Enter a price in dollars, like 12\.50\./);
  });

  test('every bad field is reported at once, with the cover error', async () => {
    const { agent } = await loggedInAgent(t);
    const before = coverFiles(t.uploadDir);
    const res = await postBook(agent, { title: '', author: '', price: '-5', stock: 'x', condition: '' }, { bytes: Buffer.from('<html><script>alert(1)</script></html>') });
    assert.equal(res.status, 422);
    for (const m of [/Enter the title/, /Enter the author/, /Enter a price/, /whole number/, /Choose the condition/, /must be a JPEG, PNG or WebP/]) assert.match(res.text, m);
    assert.deepEqual(coverFiles(t.uploadDir), before);
  });

  test('an HTML file and an SVG sent as image/jpeg are refused with 422 and nothing is written', async () => {
    const { agent, user } = await loggedInAgent(t);
    const before = coverFiles(t.uploadDir);
    const html = await postBook(agent, bookForm(), { bytes: Buffer.from('<!doctype html><html><body><script>alert(document.cookie)</script></body></html>'), filename: 'photo.jpg' });
    assert.equal(html.status, 422);
    assert.match(html.text, /must be a JPEG, PNG or WebP/);
    assert.match(html.text, /value="The Left Hand of Darkness"/);
    const svg = await postBook(agent, bookForm(), { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>'), filename: 'photo.jpg' });
    assert.equal(svg.status, 422);
    const truncated = (await jpeg()).subarray(0, 200);
    const broken = await postBook(agent, bookForm(), { bytes: truncated });
    assert.equal(broken.status, 422);
    assert.match(broken.text, /could not be read/);
    assert.deepEqual(coverFiles(t.uploadDir), before);
    assert.equal(await countBooks(t.pool, 'seller_id = ?', [user.id]), 0);
  });

  test('a 6 MB upload gets 413 and nothing is written', async () => {
    const { agent, user } = await loggedInAgent(t);
    const before = coverFiles(t.uploadDir);
    const big = Buffer.concat([await jpeg(), Buffer.alloc(6 * 1024 * 1024, 1)]);
    const res = await postBook(agent, bookForm(), { bytes: big });
    assert.equal(res.status, 413);
    assert.match(res.text, /5 MB or smaller/);
    assert.deepEqual(coverFiles(t.uploadDir), before);
    assert.equal(await countBooks(t.pool, 'seller_id = ?', [user.id]), 0);
  });

  test('without a CSRF token, or with another session\'s, the upload gets 403 and nothing is written', async () => {
    const { agent, user } = await loggedInAgent(t);
    const before = coverFiles(t.uploadDir);
    const missing = await postBook(agent, bookForm(), { bytes: await jpeg() }, '/book/add_book', null);
    assert.equal(missing.status, 403);
    const other = await loggedInAgent(t);
    const foreign = await postBook(agent, bookForm(), { bytes: await jpeg() }, '/book/add_book', await formToken(other.agent));
    assert.equal(foreign.status, 403);
    assert.deepEqual(coverFiles(t.uploadDir), before);
    assert.equal(await countBooks(t.pool, 'seller_id = ?', [user.id]), 0);
  });

  test('a seller who listed LISTINGS_PER_DAY books in 24 hours is told to wait, and nothing is written', async () => {
    const { agent, user } = await loggedInAgent(t);
    for (let i = 0; i < t.config.listingsPerDay; i++) await insertBook(t.pool, user.id, { title: `Listing ${i}` });
    const before = coverFiles(t.uploadDir);
    const res = await postBook(agent, bookForm(), { bytes: await jpeg() });
    assert.equal(res.status, 429);
    assert.match(res.text, /listed 50 books in the last 24 hours/);
    assert.deepEqual(coverFiles(t.uploadDir), before);
    assert.equal(await countBooks(t.pool, 'seller_id = ?', [user.id]), t.config.listingsPerDay);
    // Older listings do not count against today's.
    await t.pool.execute('UPDATE books SET created_at = created_at - INTERVAL 2 DAY WHERE seller_id = ?', [user.id]);
    const later = await postBook(agent, bookForm(), { bytes: await jpeg() });
    assert.equal(later.status, 302);
  });
});

describe('selling: edit and delete', () => {
  async function listed(agent: Agent, fields: Record<string, string> = {}, withCover = true) {
    const res = await postBook(agent, bookForm(fields), withCover ? { bytes: await jpeg() } : undefined);
    assert.equal(res.status, 302, res.text);
    return idFrom(res.headers.location);
  }

  test('the owner edits fields, replaces the cover (old files removed), then removes it', async () => {
    const { agent } = await loggedInAgent(t);
    const id = await listed(agent);
    const oldKey = String((await bookRow(t.pool, id))?.cover_key);
    const form = await agent.get(`/book/edit_book/${id}`);
    assert.equal(form.status, 200);
    assert.match(form.text, /value="12\.50"/);
    assert.match(form.text, /value="9780441478125"/);

    const replaced = await postBook(agent, bookForm({ title: 'New Title', price: '9.99', stock: '0' }), { bytes: await png(), contentType: 'image/png' }, `/book/edit_book/${id}`);
    assert.equal(replaced.status, 302);
    const row = await bookRow(t.pool, id);
    assert.equal(row?.title, 'New Title');
    assert.equal(row?.price_cents, 999);
    assert.equal(row?.stock, 0);
    const newKey = String(row?.cover_key);
    assert.notEqual(newKey, oldKey);
    const files = coverFiles(t.uploadDir);
    assert.ok(files.includes(`${newKey}.webp`) && files.includes(`${newKey}-thumb.webp`));
    assert.ok(!files.some((f) => f.startsWith(oldKey)), 'the old cover files are gone');
    const page = await agent.get(`/book/${id}`);
    assert.match(page.text, /Sold out/);

    const kept = await postBook(agent, bookForm({ title: 'Same cover' }), undefined, `/book/edit_book/${id}`);
    assert.equal(kept.status, 302);
    assert.equal((await bookRow(t.pool, id))?.cover_key, newKey, 'no file: the cover stays');

    const removed = await postBook(agent, bookForm({ remove_cover: '1' }), undefined, `/book/edit_book/${id}`);
    assert.equal(removed.status, 302);
    assert.equal((await bookRow(t.pool, id))?.cover_key, null);
    assert.ok(!coverFiles(t.uploadDir).some((f) => f.startsWith(newKey)));
  });

  test('a failed edit re-renders with 422, keeps the input and changes nothing', async () => {
    const { agent } = await loggedInAgent(t);
    const id = await listed(agent);
    const before = await bookRow(t.pool, id);
    const files = coverFiles(t.uploadDir);
    const res = await postBook(agent, bookForm({ title: 'Changed', price: '-1' }), { bytes: await jpeg() }, `/book/edit_book/${id}`);
    assert.equal(res.status, 422);
    assert.match(res.text, /value="Changed"/);
    assert.deepEqual(await bookRow(t.pool, id), before);
    assert.deepEqual(coverFiles(t.uploadDir), files);
  });

  test("another user's book: edit page, edit and delete get 403 and change nothing", async () => {
    const owner = await loggedInAgent(t);
    const id = await listed(owner.agent);
    const before = await bookRow(t.pool, id);
    const files = coverFiles(t.uploadDir);
    const intruder = await loggedInAgent(t);
    assert.equal((await intruder.agent.get(`/book/edit_book/${id}`)).status, 403);
    const token = await formToken(intruder.agent);
    const edit = await postBook(intruder.agent, bookForm({ title: 'Hacked', price: '0.01' }), { bytes: await jpeg() }, `/book/edit_book/${id}`, token);
    assert.equal(edit.status, 403);
    const del = await intruder.agent.post(`/book/delete_book/${id}`).type('form').send({ _csrf: token });
    assert.equal(del.status, 403);
    assert.deepEqual(await bookRow(t.pool, id), before);
    assert.deepEqual(coverFiles(t.uploadDir), files);
    // The owner's own page offers Edit and Delete; the intruder's does not.
    assert.match((await owner.agent.get(`/book/${id}`)).text, /action="\/book\/delete_book\//);
    assert.doesNotMatch((await intruder.agent.get(`/book/${id}`)).text, /action="\/book\/delete_book\//);
  });

  test('unknown and malformed ids are 404', async () => {
    const { agent } = await loggedInAgent(t);
    const token = await formToken(agent);
    assert.equal((await agent.get('/book/edit_book/abc')).status, 404);
    assert.equal((await agent.get('/book/edit_book/99999999')).status, 404);
    assert.equal((await agent.post('/book/delete_book/1e3').type('form').send({ _csrf: token })).status, 404);
    assert.equal((await agent.post('/book/delete_book/99999999').type('form').send({ _csrf: token })).status, 404);
  });

  test('the owner deletes a book: the row and its cover files are gone', async () => {
    const { agent } = await loggedInAgent(t);
    const id = await listed(agent);
    const key = String((await bookRow(t.pool, id))?.cover_key);
    const token = await formToken(agent);
    const res = await agent.post(`/book/delete_book/${id}`).type('form').send({ _csrf: token });
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, '/book/my_books');
    assert.equal(await bookRow(t.pool, id), undefined);
    assert.ok(!coverFiles(t.uploadDir).some((f) => f.startsWith(key)));
    assert.equal((await agent.get(`/book/${id}`)).status, 404);
  });

  test('a book that appears in a purchase is unlisted instead of deleted; my books still shows it', async () => {
    const { agent } = await loggedInAgent(t);
    const id = await listed(agent, { title: 'Bought Before' });
    // Bought, then cancelled: its stock is back, but the purchase still names it (orders say so).
    const buyer = await loggedInAgent(t);
    const purchaseId = purchaseIdFrom((await buyNow(buyer.agent, id)).headers.location);
    const cancelled = await buyer.agent.post(`/purchases/${purchaseId}/cancel`).type('form').send({ _csrf: await csrfOf(buyer.agent) });
    assert.equal(cancelled.status, 302);
    const token = await formToken(agent);
    const res = await agent.post(`/book/delete_book/${id}`).type('form').send({ _csrf: token });
    assert.equal(res.status, 302);
    const row = await bookRow(t.pool, id);
    assert.equal(row?.listed, 0);
    assert.ok(row?.cover_key, 'the cover stays for the order history');
    const mine = await agent.get('/book/my_books');
    assert.match(mine.text, /taken off the catalog instead of deleted/);
    assert.match(mine.text, /Bought Before/);
    assert.match(mine.text, /Unlisted/);
    assert.equal((await buyer.agent.get(`/book/${id}`)).status, 404, 'unlisted books are 404 to others');
    assert.equal((await agent.get(`/book/${id}`)).status, 200, 'but visible to their seller');
    const catalog = await t.agent().get('/book/catalog?q=Bought');
    assert.doesNotMatch(catalog.text, /Bought Before/);
  });

  test('my books lists sold-out and unlisted books, and is empty for a new seller', async () => {
    const { agent, user } = await loggedInAgent(t);
    const empty = await agent.get('/book/my_books');
    assert.match(empty.text, /You have not listed any books yet/);
    await insertBook(t.pool, user.id, { title: 'Gone <b>Quiet</b>', stock: 0 });
    await insertBook(t.pool, user.id, { title: 'Hidden Away', listed: false });
    const res = await agent.get('/book/my_books');
    assert.match(res.text, /Gone &lt;b&gt;Quiet&lt;\/b&gt;/);
    assert.match(res.text, /Sold out/);
    assert.match(res.text, /Hidden Away/);
    assert.match(res.text, /Unlisted/);
    assert.equal((await t.agent().get('/book/my_books')).status, 302);
  });
});
