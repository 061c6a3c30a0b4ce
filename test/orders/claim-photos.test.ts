// A claim's optional photos (issue 27, item 4): up to 3 with the claim form, under the cover upload's
// rules (JPEG, PNG or WebP by their bytes, 5 MB each, re-encoded to WebP), kept in claim_photos and
// served only to the claim's buyer, the parcel's seller and admins (404 to anyone else). Bad input
// gets a clear message in both languages and stores neither the claim nor any photo. Through HTTP
// against the real database.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { advanceDeliveries } from '../../src/orders/deliveries.service.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { jpeg, png } from '../helpers/books.js';
import { buyAndPay, count, createBook, csrfOf, parcelRows, providerIds } from '../helpers/orders.js';
import { loggedInAgent } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ DELIVERY_SPEEDUP: '3600' });
});
after(() => t.close());

type Agent = Awaited<ReturnType<typeof loggedInAgent>>['agent'];
interface Upload {
  bytes: Buffer;
  filename?: string;
  contentType?: string;
}

/** A one-seller purchase, paid, shipped and delivered. */
async function delivered() {
  const seller = await loggedInAgent(t, { name: 'Sam Seller' });
  const buyer = await loggedInAgent(t, { name: 'Bea Buyer' });
  const book = await createBook(t.pool, seller.user.id, { title: 'Kindred', priceCents: 1250, stock: 2 });
  const [provider] = await providerIds(t.pool);
  const purchaseId = await buyAndPay(buyer.agent, book, provider!.id);
  const csrf = await csrfOf(seller.agent);
  assert.equal((await seller.agent.post(`/sales/${purchaseId}/ship`).type('form').send({ _csrf: csrf })).status, 302);
  await advanceDeliveries(t.pool, 3600, new Date(Date.now() + 60_000));
  await advanceDeliveries(t.pool, 3600, new Date(Date.now() + 600_000));
  const [parcel] = await parcelRows(t.pool, purchaseId);
  assert.equal(parcel!.status, 'delivered');
  return { seller, buyer, purchaseId, parcelId: parcel!.id };
}

/** Posts the claim form as the browser does: multipart, the CSRF token a field, the photos as `photos`. */
async function postClaim(agent: Agent, path: string, photos: Upload[], opts: { message?: string; lang?: string; csrf?: boolean } = {}) {
  let req = agent.post(path);
  if (opts.lang) req = req.set('Accept-Language', opts.lang);
  if (opts.csrf !== false) req = req.field('_csrf', await csrfOf(agent));
  req = req.field('reason', 'damaged').field('message', opts.message ?? 'The cover was torn in half.');
  for (const [i, p] of photos.entries()) req = req.attach('photos', p.bytes, { filename: p.filename ?? `photo${i}.jpg`, contentType: p.contentType ?? 'image/jpeg' });
  return req;
}

const claimCount = async (parcelId: number) => count(t.pool, 'claims', 'delivery_id = ?', [parcelId]);
const photoCount = async () => count(t.pool, 'claim_photos');

describe('claim photos', () => {
  test('up to 3 photos go with the claim, re-encoded; the buyer, the seller and an admin see them, anyone else gets 404', async () => {
    const d = await delivered();
    const form = await d.buyer.agent.get(`/purchases/${d.purchaseId}/parcels/${d.parcelId}/claim`);
    assert.match(form.text, /enctype="multipart\/form-data"/);
    assert.match(form.text, /name="photos"[^>]*multiple/);
    assert.match((await d.buyer.agent.get(`/purchases/${d.purchaseId}/parcels/${d.parcelId}/claim`).set('Accept-Language', 'es-CO')).text, /Fotos \(opcional, hasta 3\)/);

    const big = await jpeg(3000, 2000);
    const res = await postClaim(d.buyer.agent, `/purchases/${d.purchaseId}/parcels/${d.parcelId}/claim`, [{ bytes: big }, { bytes: await png(), filename: 'spine.png', contentType: 'image/png' }]);
    assert.equal(res.status, 302, res.text.slice(0, 300));
    const claimId = Number(/\/claims\/(\d+)$/.exec(res.headers.location ?? '')?.[1]);
    assert.ok(claimId > 0);
    assert.equal(await count(t.pool, 'claim_photos', 'claim_id = ?', [claimId]), 2);

    const buyerPage = await d.buyer.agent.get(`/purchases/${d.purchaseId}/claims/${claimId}`);
    assert.equal(buyerPage.text.match(new RegExp(`<img src="/purchases/${d.purchaseId}/claims/${claimId}/photos/\\d"`, 'g'))?.length, 2);
    const first = await d.buyer.agent.get(`/purchases/${d.purchaseId}/claims/${claimId}/photos/1`).buffer(true);
    assert.equal(first.status, 200);
    assert.equal(first.headers['content-type'], 'image/webp');
    assert.match(first.headers['cache-control'] ?? '', /^private\b/);
    assert.equal(first.headers['x-content-type-options'], 'nosniff');
    const meta = await sharp(first.body as Buffer).metadata();
    assert.equal(meta.format, 'webp');
    assert.deepEqual([meta.width, meta.height], [1600, 1067], 'shrunk into 1600 × 1600, never kept as sent');

    const sellerPage = await d.seller.agent.get(`/sales/claims/${claimId}`);
    assert.match(sellerPage.text, new RegExp(`<img src="/sales/claims/${claimId}/photos/2"`));
    const second = await d.seller.agent.get(`/sales/claims/${claimId}/photos/2`).buffer(true);
    assert.equal(second.status, 200);
    assert.equal((await sharp(second.body as Buffer).metadata()).format, 'webp');

    const admin = await loggedInAgent(t, { role: 'admin' });
    assert.match((await admin.agent.get(`/admin/claims/${claimId}`)).text, new RegExp(`<img src="/admin/claims/${claimId}/photos/1"`));
    assert.equal((await admin.agent.get(`/admin/claims/${claimId}/photos/1`)).status, 200);
    assert.equal((await admin.agent.get(`/admin/claims/${claimId}/photos/3`)).status, 404, 'there is no third photo');

    // Nobody else: not another shopper under any of the three paths, not the public /uploads, not anonymous.
    const stranger = await loggedInAgent(t);
    for (const path of [`/purchases/${d.purchaseId}/claims/${claimId}/photos/1`, `/sales/claims/${claimId}/photos/1`]) {
      const r = await stranger.agent.get(path);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(r.headers['content-type'] ?? '', /image/);
    }
    // The whole /admin area refuses non-admins alike (403 whether or not a claim exists): nothing leaks.
    const adminPath = await stranger.agent.get(`/admin/claims/${claimId}/photos/1`);
    assert.equal(adminPath.status, (await stranger.agent.get('/admin/claims/999999/photos/1')).status);
    assert.doesNotMatch(adminPath.headers['content-type'] ?? '', /image/);
    assert.equal((await d.seller.agent.get(`/purchases/${d.purchaseId}/claims/${claimId}/photos/1`)).status, 404, 'the seller only under /sales');
    const anonymous = await t.agent().get(`/sales/claims/${claimId}/photos/1`);
    assert.notEqual(anonymous.status, 200);
  });

  test('a claim without photos still goes (an empty file input sends an empty part)', async () => {
    const d = await delivered();
    const before = await photoCount();
    const res = await postClaim(d.buyer.agent, `/purchases/${d.purchaseId}/parcels/${d.parcelId}/claim`, [{ bytes: Buffer.alloc(0), filename: '', contentType: 'application/octet-stream' }]);
    assert.equal(res.status, 302, res.text.slice(0, 300));
    assert.equal(await claimCount(d.parcelId), 1);
    assert.equal(await photoCount(), before);
  });

  test('each bad upload gets a clear message in both languages and stores no claim and no photo', async () => {
    const d = await delivered();
    const path = `/purchases/${d.purchaseId}/parcels/${d.parcelId}/claim`;
    const before = await photoCount();
    const good = { bytes: await jpeg() };
    const cases: { name: string; photos: Upload[]; message?: string; status: number; en: RegExp; es: RegExp }[] = [
      {
        name: 'not an image (whatever its name and declared type)',
        photos: [good, { bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'), filename: 'evil.jpg' }],
        status: 422,
        en: /Each photo must be a JPEG, PNG or WebP image/,
        es: /Cada foto debe ser una imagen JPEG, PNG o WebP/,
      },
      {
        name: 'a corrupt JPEG',
        photos: [{ bytes: Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2000, 7)]) }],
        status: 422,
        en: /One of the photos could not be read/,
        es: /No se pudo leer una de las fotos/,
      },
      {
        name: 'too big',
        photos: [{ bytes: Buffer.concat([await jpeg(), Buffer.alloc(5 * 1024 * 1024)]) }],
        status: 413,
        en: /Each photo must be 5 MB or smaller/,
        es: /Cada foto debe pesar 5 MB o menos/,
      },
      {
        name: 'too many',
        photos: [good, good, good, good],
        status: 400,
        en: /send at most 3 photos with the claim/,
        es: /manda como máximo 3 fotos con el reclamo/,
      },
      {
        name: 'a good photo with a bad message',
        photos: [good],
        message: 'short',
        status: 422,
        en: /at least 10 characters/,
        es: /al menos 10 caracteres/,
      },
    ];
    for (const c of cases) {
      const en = await postClaim(d.buyer.agent, path, c.photos, { message: c.message });
      assert.equal(en.status, c.status, `${c.name}: ${en.text.slice(0, 200)}`);
      assert.match(en.text, c.en, c.name);
      const es = await postClaim(d.buyer.agent, path, c.photos, { message: c.message, lang: 'es-CO' });
      assert.equal(es.status, c.status, c.name);
      assert.match(es.text, c.es, c.name);
      assert.equal(await claimCount(d.parcelId), 0, c.name);
      assert.equal(await photoCount(), before, c.name);
    }
    // Without the CSRF token the upload is refused before anything is read into a claim.
    assert.equal((await postClaim(d.buyer.agent, path, [good], { csrf: false })).status, 403);
    assert.equal(await claimCount(d.parcelId), 0);
    assert.equal(await photoCount(), before);
  });
});
