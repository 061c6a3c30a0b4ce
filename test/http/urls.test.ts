// The URL helper on its own: canonical paths to what the browser requests, in the monolith (as
// written) and in each service behind the Ingress prefixes; a service's local paths back to canonical;
// the forwarded prefix; `?next=` values carried through untouched; redirects to paths rewritten.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import express from 'express';
import supertest from 'supertest';
import { MONOLITH, redirectsThroughUrls, serviceUrls, urlLayout, type ServiceName, type Urls } from '../../src/http/urls.js';

const prefixes = { auth: '/auth', catalog: '/book', order: '/order' };
const as = (self: ServiceName): Urls => serviceUrls(self, prefixes);

describe('publicUrl', () => {
  test('the monolith keeps every path as written', () => {
    for (const p of ['/', '/book/7', '/login?next=%2Fcart', '/cart', '/public/app.css', '/anything']) assert.equal(MONOLITH.publicUrl(p), p);
  });

  test("each path goes to its owner's prefix, from whichever service writes it", () => {
    for (const self of ['auth', 'catalog', 'order'] as const) {
      const u = as(self);
      assert.equal(u.publicUrl('/'), '/book/');
      assert.equal(u.publicUrl('/?q=dune'), '/book/?q=dune');
      assert.equal(u.publicUrl('/book/7'), '/book/7');
      assert.equal(u.publicUrl('/book/sell_book'), '/book/sell_book');
      assert.equal(u.publicUrl('/uploads/ab.webp'), '/book/uploads/ab.webp');
      assert.equal(u.publicUrl('/login'), '/auth/login');
      assert.equal(u.publicUrl('/admin/users?page=2'), '/auth/admin/users?page=2');
      assert.equal(u.publicUrl('/lang/en?next=%2Fcart'), '/auth/lang/en?next=%2Fcart');
      assert.equal(u.publicUrl('/cart'), '/order/cart');
      assert.equal(u.publicUrl('/purchases/12#pay'), '/order/purchases/12#pay');
      assert.equal(u.publicUrl('/admin/delivery_providers'), '/order/admin/delivery_providers');
      // Static files and unknown paths are the writer's own.
      assert.equal(u.publicUrl('/public/app.css'), `${prefixes[self]}/public/app.css`);
      assert.equal(u.publicUrl('/nowhere'), `${prefixes[self]}/nowhere`);
    }
  });

  test('a prefix matches whole segments only; the longest one wins', () => {
    const u = as('order');
    assert.equal(u.publicUrl('/bookish'), '/order/bookish', 'not under /book');
    assert.equal(u.publicUrl('/cartography'), '/order/cartography');
    assert.equal(u.publicUrl('/admin/purchases/3'), '/order/admin/purchases/3');
    assert.equal(as('catalog').publicUrl('/admin/users'), '/auth/admin/users');
  });

  test('?next= values stay canonical (the page that reads them maps them again), absolute URLs and non-strings pass', () => {
    const u = as('catalog');
    assert.equal(u.publicUrl('/login?next=/cart'), '/auth/login?next=/cart');
    for (const v of ['https://example.com/x', '//evil.example/x', 'mailto:a@b.c', '#top']) assert.equal(u.publicUrl(v), v);
    assert.equal(u.publicUrl(7 as unknown as string), 7);
  });
});

describe('canonicalPath', () => {
  test("catalog's local paths are under /book, but its home, files and API are not; auth's and order's are as written", () => {
    const c = as('catalog');
    assert.equal(c.canonicalPath('/7'), '/book/7');
    assert.equal(c.canonicalPath('/sell_book?x=1'), '/book/sell_book?x=1');
    for (const p of ['/', '/?q=a', '/public/app.css', '/uploads/a.webp', '/api/books']) assert.equal(c.canonicalPath(p), p);
    for (const self of ['auth', 'order'] as const) for (const p of ['/login', '/cart', '/']) assert.equal(as(self).canonicalPath(p), p);
    assert.equal(MONOLITH.canonicalPath('/book/7'), '/book/7');
  });

  test('canonical → public → local → canonical is the identity for every owner', () => {
    const cases: [ServiceName, string][] = [['catalog', '/book/7'], ['auth', '/login?next=%2Fbook%2F7'], ['order', '/purchases/3']];
    for (const [owner, canonical] of cases) {
      const local = as(owner).publicUrl(canonical).slice(prefixes[owner].length) || '/';
      assert.equal(as(owner).canonicalPath(local), canonical);
    }
  });
});

describe('localPath (where a composed app mounts what it serves)', () => {
  test("the split catalog serves /book at its root; everything else is mounted where it is written", () => {
    assert.equal(as('catalog').localPath('/book'), '/');
    assert.equal(as('catalog').localPath('/book/catalog'), '/catalog');
    assert.equal(as('catalog').localPath('/uploads'), '/uploads');
    assert.equal(as('auth').localPath('/login'), '/login');
    assert.equal(MONOLITH.localPath('/book'), '/book');
  });
});

describe('urlLayout (mounted first on every page)', () => {
  function appFor(layout: Urls) {
    const app = express();
    redirectsThroughUrls(app);
    app.use(urlLayout(layout));
    app.get('/go', (_req, res) => res.redirect('/cart'));
    app.get('/go303', (_req, res) => res.redirect(303, '/login?next=%2Fcart'));
    app.get('/away', (_req, res) => res.redirect('https://example.com/'));
    app.get('/link', (_req, res) => res.type('text').send(String((res.locals.href as (p: string) => string)('/public/app.css'))));
    return app;
  }

  test('redirects to canonical paths go to their owner; absolute ones are left alone; the monolith changes nothing', async () => {
    const catalog = appFor(as('catalog'));
    assert.equal((await supertest(catalog).get('/go')).headers.location, '/order/cart');
    const see = await supertest(catalog).get('/go303');
    assert.equal(see.status, 303);
    assert.equal(see.headers.location, '/auth/login?next=%2Fcart');
    assert.equal((await supertest(catalog).get('/away')).headers.location, 'https://example.com/');
    assert.equal((await supertest(appFor(MONOLITH)).get('/go')).headers.location, '/cart');
  });

  test("the Ingress's X-Forwarded-Prefix becomes this service's prefix when it is a plain path; anything else is ignored", async () => {
    const app = appFor(as('order'));
    assert.equal((await supertest(app).get('/link')).text, '/order/public/app.css');
    assert.equal((await supertest(app).get('/link').set('X-Forwarded-Prefix', '/shop/order')).text, '/shop/order/public/app.css');
    assert.equal((await supertest(app).get('/go').set('X-Forwarded-Prefix', '/shop/order')).headers.location, '/shop/order/cart');
    for (const bad of ['//evil.example', '/a b', 'order', '/x/"><script>']) assert.equal((await supertest(app).get('/link').set('X-Forwarded-Prefix', bad)).text, '/order/public/app.css', bad);
    assert.equal((await supertest(appFor(MONOLITH)).get('/link').set('X-Forwarded-Prefix', '/shop')).text, '/public/app.css', 'the monolith has no prefix');
  });
});
