// The micro-cache and the language (nginx/snippets/microcache.conf, the maps in
// nginx/templates/bookstore.conf.template): a Cookie header that nginx and the app could read
// differently must never put one language's page under the other's key. The real nginx in front
// of the real app: the probe's poisoning requests, then plain visitors of each language. A second
// nginx in front of a stub that answers like the app used to (Vary: Accept-Language only, so
// nginx's key alone decides) shows that nginx neither answers nor stores such requests.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import { Procs, assertTools, findTools, freePort, request, tempDir, waitFor, type ReqOpts, type Res } from './lib.js';
import { MYSQL, assertDatabase, startProductionApp, startShippedNginx } from './app-behind-nginx.js';

const tools = findTools(['nginx', 'openssl']);
const HOST = 'shop.bookstore.test';

const cacheStatus = (r: Res) => r.headers['x-cache-status'];
const htmlLang = (r: Res) => /<html lang="(\w+)"/.exec(r.text)?.[1];
const unique = () => randomBytes(6).toString('hex');

/** Requests whose Cookie header nginx's $cookie_lang and the app once read differently (issue 21). */
const POISONS: { name: string; headers: Record<string, string> }[] = [
  // nginx skips only spaces: no lang for it (the plain Spanish key); the app trims the tab: English.
  { name: 'a tab before lang', headers: { Cookie: 'x=1;\tlang=en', 'Accept-Language': 'es-CO' } },
  // nginx matches the name in any case (the English key); the app wants "lang": Spanish.
  { name: 'LANG in capitals', headers: { Cookie: 'LANG=en', 'Accept-Language': 'es-CO' } },
  // nginx also splits on ",": "en" (the English key); the app: one value "en, lang=es", not a language.
  { name: 'a comma list', headers: { Cookie: 'lang=en, lang=es', 'Accept-Language': 'es-CO' } },
  // Two of them: which one counts is anyone's guess.
  { name: 'lang twice', headers: { Cookie: 'lang=es; lang=en', 'Accept-Language': 'es-CO' } },
  { name: 'NBSP before lang', headers: { Cookie: 'x=1;\u00a0lang=en', 'Accept-Language': 'es-CO' } },
  { name: 'a quoted value', headers: { Cookie: 'lang="en"', 'Accept-Language': 'es-CO' } },
];

/** Plain visitors, and the language each must see. */
const VISITORS: { name: string; headers: Record<string, string>; lang: string }[] = [
  { name: 'Spanish by Accept-Language', headers: { 'Accept-Language': 'es-CO' }, lang: 'es' },
  { name: 'Spanish by the cookie', headers: { Cookie: 'lang=es', 'Accept-Language': 'en' }, lang: 'es' },
  { name: 'English by the cookie', headers: { Cookie: 'lang=en', 'Accept-Language': 'es-CO' }, lang: 'en' },
  { name: 'English by the cookie, among others', headers: { Cookie: 'x=1; lang=en; y=2', 'Accept-Language': 'es-CO' }, lang: 'en' },
];

describe('nginx micro-cache and the language cookie', { skip: tools.skip, timeout: 120_000 }, () => {
  const procs = new Procs();
  const dirs: string[] = [];
  const dbName = `bookstore_microlang_${randomBytes(5).toString('hex')}`;
  let dbCreated = false;
  let stub: http.Server | undefined;
  let stubHits = 0;
  let appNginx: { port: number; ca: Buffer };
  let stubNginx: { port: number; ca: Buffer };
  const onExit = () => procs.killAllSync();

  const via = (n: { port: number; ca: Buffer }) => (p: string, o: ReqOpts = {}) =>
    request('https', n.port, p, { ca: n.ca, servername: HOST, ...o, headers: { Host: HOST, ...o.headers } });

  const startNginx = async (name: string, upstreamPort: number) => {
    const n = await startShippedNginx(procs, tools.bin('nginx'), { name, host: HOST, upstreamPort, dirs });
    return { port: n.httpsPort, ca: n.ca };
  };

  before(async () => {
    assertTools(tools);
    process.once('exit', onExit);
    await assertDatabase();
    const appPort = await freePort();
    dbCreated = true; // the app creates it (MIGRATE_ON_START); dropped in after() either way
    const uploads = tempDir('uploads');
    dirs.push(uploads);
    startProductionApp(procs, { port: appPort, dbName, uploadDir: uploads });

    // Like the app before the fix: public, one second, Vary: Accept-Language only. It echoes the
    // headers it was sent, so a test sees which request's answer it got.
    stub = http.createServer((req, res) => {
      stubHits += 1;
      res.setHeader('Cache-Control', 'public, max-age=0, s-maxage=1');
      res.setHeader('Vary', 'Accept-Language');
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ hit: stubHits, cookie: req.headers.cookie ?? null, acceptLanguage: req.headers['accept-language'] ?? null }));
    });
    stub.listen(0, '127.0.0.1');
    await once(stub, 'listening');

    try {
      appNginx = await startNginx('nginx', appPort);
      stubNginx = await startNginx('nginx-stub', (stub.address() as AddressInfo).port);
      await waitFor('the app on /ping', async () => (await request('http', appPort, '/ping')).status === 200, 60_000);
    } catch (e) {
      throw new Error(`${String(e)}\n${procs.dump()}`);
    }
  });

  after(async () => {
    await procs.stop();
    process.removeListener('exit', onExit);
    if (stub) {
      stub.closeAllConnections();
      stub.close();
    }
    if (dbCreated) {
      const c = await mysql.createConnection(MYSQL);
      await c.query('DROP DATABASE IF EXISTS ??', [dbName]);
      await c.end();
    }
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it("after each poisoning request, a plain visitor of each language gets their own language's page", async () => {
    const get = via(appNginx);
    for (const poison of POISONS) {
      for (const visitor of VISITORS) {
        for (const page of [`/book/catalog?q=${unique()}`, `/?v=${unique()}`]) {
          const sent = await get(page, { headers: poison.headers });
          assert.equal(sent.status, 200, `${poison.name}: ${page}`);
          assert.equal(cacheStatus(sent), 'BYPASS', `${poison.name}: neither answered from nor stored in the cache`);
          for (let i = 0; i < 2; i += 1) {
            const seen = await get(page, { headers: visitor.headers });
            assert.equal(htmlLang(seen), visitor.lang, `${visitor.name} after "${poison.name}" (${String(cacheStatus(seen))})`);
          }
        }
      }
    }
  });

  it('still shares one copy among plain visitors of a language, and says what it varies on', async () => {
    const get = via(appNginx);
    for (const visitor of VISITORS) {
      const page = `/book/catalog?q=${unique()}`;
      const first = await get(page, { headers: visitor.headers });
      assert.equal(cacheStatus(first), 'MISS', visitor.name);
      assert.equal(first.headers['cache-control'], 'public, max-age=0, s-maxage=1');
      assert.equal(first.headers.vary, 'Accept-Language, Cookie', 'a shared cache keeps one copy per header value');
      const second = await get(page, { headers: visitor.headers });
      assert.equal(cacheStatus(second), 'HIT', visitor.name);
      assert.equal(htmlLang(second), visitor.lang, visitor.name);
    }
  });

  it('nginx alone never answers nor stores a request whose lang cookie is not one plain lang=en or lang=es', async () => {
    const get = via(stubNginx);
    const body = (r: Res) => JSON.parse(r.text) as { hit: number; cookie: string | null; acceptLanguage: string | null };
    for (const poison of POISONS) {
      const page = `/book/catalog?q=${unique()}`;
      for (let i = 0; i < 2; i += 1) {
        const hits = stubHits;
        const sent = await get(page, { headers: poison.headers });
        assert.equal(cacheStatus(sent), 'BYPASS', poison.name);
        assert.equal(stubHits, hits + 1, `${poison.name}: the upstream answered`);
      }
      // Nothing was stored under any key: every plain visitor is a MISS first (the fourth
      // shares the third's key, so it is left out).
      for (const visitor of VISITORS.slice(0, 3)) {
        const seen = await get(page, { headers: visitor.headers });
        assert.equal(cacheStatus(seen), 'MISS', `${visitor.name} after "${poison.name}"`);
        assert.equal(body(seen).cookie, visitor.headers.Cookie ?? null);
      }
    }
    // The key is the cookie's one value: lang=en alone and among other cookies share a copy.
    const page = `/book/catalog?q=${unique()}`;
    assert.equal(cacheStatus(await get(page, { headers: { Cookie: 'lang=en', 'Accept-Language': 'es-CO' } })), 'MISS');
    assert.equal(cacheStatus(await get(page, { headers: { Cookie: 'a=1; lang=en', 'Accept-Language': 'es-CO' } })), 'HIT');
    assert.equal(cacheStatus(await get(page, { headers: { 'Accept-Language': 'es-CO' } })), 'MISS');
    // Cookies that merely contain the letters are no language cookie: cached as usual.
    for (const cookie of ['lang_x=1', 'language=en', 'x=LANG']) {
      assert.equal(cacheStatus(await get(`/book/catalog?q=${unique()}`, { headers: { Cookie: cookie } })), 'MISS', cookie);
    }
  });
});
