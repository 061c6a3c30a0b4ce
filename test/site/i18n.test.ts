// Spanish and English: the language from the lang cookie (the footer switch, no JavaScript), else
// Accept-Language, else Spanish; every text on the pages has both; numbers and dates per language.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import supertest from 'supertest';
import { es } from '../../src/i18n/es.js';
import { fromAcceptLanguage, LANGUAGES, singleCookie } from '../../src/i18n/i18n.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createBook } from '../helpers/orders.js';
import { createUser, csrfFrom } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
  const seller = await createUser(t.pool, { name: 'Sara Vendedora' });
  await createBook(t.pool, seller.id, { title: 'Cien años de soledad', priceCents: 123_450, stock: 3 });
});
after(() => t.close());

const root = join(import.meta.dirname, '..', '..');
function files(dir: string, ext: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? files(path, ext) : path.endsWith(ext) ? [path] : [];
  });
}
const unquote = (s: string) => s.slice(1, -1).replace(/\\'/g, "'");

/** Every text the templates pass to t(), and every label or hint they pass to the field partial. */
function viewTexts(): Set<string> {
  const texts = new Set<string>();
  for (const file of files(join(root, 'views'), '.ejs')) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/\bt\(('(?:\\'|[^'])*')/g)) texts.add(unquote(m[1]!));
    for (const m of text.matchAll(/\b(?:label|hint): ('(?:\\'|[^'])*')/g)) texts.add(unquote(m[1]!));
  }
  return texts;
}

/** Every user-facing sentence in the code: a quoted text that starts with a capital and ends like a sentence. */
function codeTexts(): Set<string> {
  const texts = new Set<string>();
  for (const file of files(join(root, 'src'), '.ts')) {
    if (/(repo|cli|seed|jobs|migrate)\.ts$|\/(db|i18n)\//.test(file) || file.endsWith('config.ts')) continue;
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/'((?:[A-Z“]|\{)[^'\n]*[.!?:])'/g)) texts.add(m[1]!);
  }
  return texts;
}

describe('two languages', () => {
  test('every text on a page, in a message or a form error has its Spanish, and every Spanish text is used', () => {
    const used = new Set([...viewTexts(), ...codeTexts()]);
    const missing = [...used].filter((k) => !(k in es) && !/^(BookStore|PayPal|ISBN|Subtotal|Total)$/.test(k));
    assert.deepEqual(missing, [], 'texts without Spanish');
    const all = [...viewTexts(), ...codeTexts()].join('\n');
    const codeAndViews = [...files(join(root, 'src'), '.ts'), ...files(join(root, 'views'), '.ejs')].filter((f) => !f.endsWith(join('i18n', 'es.ts'))).map((f) => readFileSync(f, 'utf8')).join('\n');
    const unused = Object.keys(es).filter((k) => !all.includes(k) && !codeAndViews.includes(`'${k.replace(/'/g, "\\'")}'`) && !codeAndViews.includes(`'${k}'`));
    assert.deepEqual(unused, [], 'Spanish texts nothing uses');
    for (const [en, text] of Object.entries(es)) {
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      assert.deepEqual(names(text), names(en), `the same placeholders in "${en}"`);
    }
  });

  test('no header: Spanish; es-CO: Spanish; en: English; the cookie wins over the header', async () => {
    const plain = await supertest(t.app).get('/book/catalog');
    assert.match(plain.text, /<html lang="es"/);
    assert.match(plain.text, /Catálogo/);
    assert.match(plain.text, /Iniciar sesión/);
    assert.match(plain.text, /\$1\.234,50/, 'numbers the Spanish way');
    assert.equal(plain.headers.vary?.includes('Accept-Language'), true);
    const colombian = await supertest(t.app).get('/book/catalog').set('Accept-Language', 'es-CO,es;q=0.9,en;q=0.8');
    assert.match(colombian.text, /<html lang="es"/);
    const english = await supertest(t.app).get('/book/catalog').set('Accept-Language', 'en-US,en;q=0.9');
    assert.match(english.text, /<html lang="en"/);
    assert.match(english.text, /Log in/);
    assert.match(english.text, /\$1,234\.50/);
    const cookie = await supertest(t.app).get('/book/catalog').set('Accept-Language', 'en').set('Cookie', 'lang=es');
    assert.match(cookie.text, /<html lang="es"/);
    assert.equal(fromAcceptLanguage('fr, en;q=0.8, es;q=0.5'), 'en');
    assert.equal(fromAcceptLanguage('fr'), null);
  });

  test('the lang cookie counts only as one exact "lang=en" or "lang=es" pair (RFC 6265); anything else falls back to the header', async () => {
    const langFor = async (cookie: string, acceptLanguage: string) =>
      /<html lang="(\w+)"/.exec((await supertest(t.app).get('/book/catalog').set('Accept-Language', acceptLanguage).set('Cookie', cookie)).text)?.[1];
    assert.equal(await langFor('lang=en', 'es-CO'), 'en');
    assert.equal(await langFor('x=1; lang=en; y=2', 'es-CO'), 'en');
    assert.equal(await langFor('x=1;lang=en', 'es-CO'), 'en');
    assert.equal(await langFor('x=1;\tlang=en', 'es-CO'), 'en', 'tab is whitespace in RFC 6265');
    assert.equal(await langFor('LANG=en', 'es-CO'), 'es', 'the name is exact');
    assert.equal(await langFor('Lang=es', 'en'), 'en');
    assert.equal(await langFor('x=1;\u00a0lang=en', 'es-CO'), 'es', 'NBSP is not whitespace here');
    assert.equal(await langFor('lang=es; lang=en', 'en'), 'en', 'two lang cookies: neither counts');
    assert.equal(await langFor('lang=en; x=1; lang=en', 'es-CO'), 'es', 'not even two alike');
    assert.equal(await langFor('lang=en, lang=es', 'es-CO'), 'es');
    assert.equal(await langFor('lang="en"', 'es-CO'), 'es');
    assert.equal(await langFor('lang=%65n', 'es-CO'), 'es', 'no percent-decoding');
    assert.equal(await langFor('lang=EN', 'es-CO'), 'es');
  });

  test('singleCookie: one pair of that exact name, whitespace per RFC 6265 (space and tab), no decoding', () => {
    assert.equal(singleCookie(undefined, 'lang'), undefined);
    assert.equal(singleCookie('', 'lang'), undefined);
    assert.equal(singleCookie('lang=en', 'lang'), 'en');
    assert.equal(singleCookie(' \tlang \t= \ten\t ;x=1', 'lang'), 'en');
    assert.equal(singleCookie('lang=', 'lang'), '');
    assert.equal(singleCookie('lang=a=b', 'lang'), 'a=b');
    assert.equal(singleCookie('xlang=en; langx=en; lang; =lang', 'lang'), undefined);
    assert.equal(singleCookie('\ufefflang=en', 'lang'), undefined, 'a BOM is part of the name');
    assert.equal(singleCookie('\u00a0lang=en', 'lang'), undefined);
    assert.equal(singleCookie('lang=en\u00a0', 'lang'), 'en\u00a0');
    assert.equal(singleCookie('lang=en; lang=en', 'lang'), undefined);
    assert.equal(singleCookie('lang=en; LANG=es', 'lang'), 'en');
  });

  test('the footer switch is a link: it sets the cookie and goes back to the same page', async () => {
    const page = await supertest(t.app).get('/book/catalog?q=soledad');
    const href = /href="(\/lang\/en\?next=[^"]+)"/.exec(page.text)?.[1];
    assert.equal(href, '/lang/en?next=%2Fbook%2Fcatalog%3Fq%3Dsoledad');
    const switched = await supertest(t.app).get(href);
    assert.equal(switched.status, 302);
    assert.equal(switched.headers.location, '/book/catalog?q=soledad');
    assert.match(String(switched.headers['set-cookie']), /^lang=en; Max-Age=31536000; Path=\//);
    assert.equal((await supertest(t.app).get('/lang/en?next=https://evil.example')).headers.location, '/');
    assert.equal((await supertest(t.app).get('/lang/fr')).status, 404);
  });

  test('form errors, flash messages and error pages in Spanish', async () => {
    const agent = supertest.agent(t.app);
    const form = await agent.get('/register');
    const res = await agent.post('/register').type('form').send({ _csrf: csrfFrom(form.text), name: '', email: 'nope', password: 'short', password_confirm: 'x' });
    assert.equal(res.status, 422);
    assert.match(res.text, /Revisa el formulario/);
    assert.match(res.text, /Escribe tu nombre\./);
    assert.match(res.text, /Escribe un correo válido/);
    const missing = await supertest(t.app).get('/no/such/page');
    assert.equal(missing.status, 404);
    assert.match(missing.text, /Página no encontrada/);
    assert.match(missing.text, /No encontramos esa página\./);
  });

  test("a seller's form errors in Spanish too (their texts are whole keys, not built from parts)", async () => {
    const seller = await createUser(t.pool);
    const agent = supertest.agent(t.app);
    const login = await agent.get('/login');
    await agent.post('/login').type('form').send({ _csrf: csrfFrom(login.text), email: seller.email, password: seller.password });
    const form = await agent.get('/book/add_book');
    const res = await agent.post('/book/add_book').type('form').send({ _csrf: csrfFrom(form.text), title: '', author: 'x'.repeat(121), price: '10', stock: '1', condition: 'good' });
    assert.equal(res.status, 422);
    assert.match(res.text, /Escribe el título\./);
    assert.match(res.text, /Usa máximo 120 caracteres en el autor\./);
  });

  test('dates and money per language (Intl)', () => {
    const d = new Date('2026-11-28T06:19:00Z');
    assert.equal(LANGUAGES.en.formatTime(d), 'Nov 28, 2026, 6:19 AM UTC');
    assert.match(LANGUAGES.es.formatTime(d), /^28\/11\/2026, 6:19\sa\.\sm\. UTC$/);
    assert.equal(LANGUAGES.en.money(123_456_789), '$1,234,567.89');
    assert.equal(LANGUAGES.es.money(123_456_789), '$1.234.567,89');
  });
});
