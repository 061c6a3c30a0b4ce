// The app behind a real nginx (Debian package) running the project's config,
// rendered for high ports on 127.0.0.1, with a self-signed certificate from
// nginx/tls/bookstore-tls.sh.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import mysql from 'mysql2/promise';
import {
  Procs, ROOT, assertTools, findTools, freePort, layoutNginx, mkdirp, nginxArgs, request, selectCert,
  waitFor, type NginxLayout, type ReqOpts,
} from './lib.js';
import { MYSQL, assertDatabase, startProductionApp } from './app-behind-nginx.js';

const tools = findTools(['nginx', 'openssl']);
const HOST = 'shop.bookstore.test';

describe('app behind nginx', { skip: tools.skip, timeout: 120_000 }, () => {
  const procs = new Procs();
  const dirs: string[] = [];
  const dbName = `bookstore_deploy_${randomBytes(5).toString('hex')}`;
  let dbCreated = false;
  let layout: NginxLayout;
  let appPort: number;
  let httpPort: number;
  let httpsPort: number;
  let ca: Buffer;
  const onExit = () => procs.killAllSync();

  const https = (p: string, o: ReqOpts = {}) =>
    request('https', httpsPort, p, { ca, servername: HOST, ...o, headers: { Host: HOST, ...o.headers } });
  const http = (p: string, o: ReqOpts = {}) => request('http', httpPort, p, { ...o, headers: { Host: HOST, ...o.headers } });

  before(async () => {
    assertTools(tools);
    process.once('exit', onExit);
    await assertDatabase();
    appPort = await freePort();
    httpPort = await freePort();
    httpsPort = await freePort();
    layout = layoutNginx({ serverName: HOST, httpPort, httpsPort, appPort });
    dirs.push(layout.prefix);
    assert.equal(selectCert(layout, HOST, path.join(layout.prefix, 'letsencrypt')), 'selfsigned');
    ca = fs.readFileSync(path.join(layout.tlsDir, 'current', 'fullchain.pem'));

    dbCreated = true; // the app creates it (MIGRATE_ON_START); dropped in after() either way
    startProductionApp(procs, { port: appPort, dbName, uploadDir: layout.uploadsDir, logLevel: 'info' });
    procs.start('nginx', tools.bin('nginx'), [...nginxArgs(layout), '-g', 'daemon off;']);
    try {
      await waitFor('the app on /ping', async () => (await request('http', appPort, '/ping')).status === 200, 60_000);
      await waitFor('nginx', async () => (await http('/')).status === 301, 20_000);
    } catch (e) {
      throw new Error(`${String(e)}\n${procs.dump()}`);
    }
  });

  after(async () => {
    await procs.stop();
    process.removeListener('exit', onExit);
    if (dbCreated) {
      const c = await mysql.createConnection(MYSQL);
      await c.query('DROP DATABASE IF EXISTS ??', [dbName]);
      await c.end();
    }
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('redirects HTTP to HTTPS', async () => {
    const r = await http('/login?next=%2Fsell');
    assert.equal(r.status, 301);
    assert.equal(r.headers.location, `https://${HOST}/login?next=%2Fsell`);
    const ping = await http('/ping');
    assert.equal(ping.status, 301);
  });

  it('serves the ACME http-01 path over plain HTTP', async () => {
    const token = `tok_${randomBytes(8).toString('hex')}`;
    const dir = mkdirp(layout.acmeRoot, '.well-known', 'acme-challenge');
    fs.writeFileSync(path.join(dir, token), `${token}.keyauth`);
    fs.chmodSync(path.join(dir, token), 0o644);
    const r = await http(`/.well-known/acme-challenge/${token}`);
    assert.equal(r.status, 200);
    assert.equal(r.text, `${token}.keyauth`);
    assert.equal(r.headers.location, undefined);
    const missing = await http('/.well-known/acme-challenge/nope');
    assert.equal(missing.status, 404, 'a missing token is a 404, not a redirect');
  });

  it('passes /ping through over HTTPS with TLS 1.3 (and 1.2) and HSTS from nginx only', async () => {
    const r = await https('/ping');
    assert.equal(r.status, 200);
    assert.equal(r.text, 'pong');
    assert.equal(r.protocol, 'TLSv1.3');
    assert.equal(r.headers['strict-transport-security'], 'max-age=63072000');
    assert.equal(r.headers.server, 'nginx');
    const tls12 = await https('/ping', { maxVersion: 'TLSv1.2' });
    assert.equal(tls12.status, 200);
    assert.equal(tls12.protocol, 'TLSv1.2');
  });

  it('gets a Secure __Host- session cookie on GET /login over HTTPS (app trusts nginx)', async () => {
    // A client cannot downgrade what the app sees: nginx overwrites X-Forwarded-Proto.
    const r = await https('/login', { headers: { 'X-Forwarded-Proto': 'http' } });
    assert.equal(r.status, 200);
    const cookies = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
    const sid = cookies.find((c) => c.startsWith('__Host-bookstore.sid='));
    assert.ok(sid, `session cookie missing: ${JSON.stringify(cookies)}`);
    const attrs = sid.split(';').map((a) => a.trim().toLowerCase());
    assert.ok(attrs.includes('secure'), sid);
    assert.ok(attrs.includes('httponly'), sid);
    assert.ok(attrs.includes('path=/'), sid);
    assert.ok(attrs.includes('samesite=lax'), sid);
    assert.equal(r.headers['strict-transport-security'], 'max-age=63072000');
  });

  it('hands the app the request id nginx generated', async () => {
    const r = await https('/login', { headers: { 'X-Request-Id': 'client-chosen-id-123' } });
    assert.equal(r.status, 200);
    const id = String(r.headers['x-request-id']);
    assert.match(id, /^[0-9a-f]{32}$/, 'nginx $request_id, not the client-sent one');
    await waitFor('the access log line', () => Promise.resolve(fs.readFileSync(layout.accessLog, 'utf8').includes(`rid=${id}`)), 5_000);
    const line = fs.readFileSync(layout.accessLog, 'utf8').split('\n').find((l) => l.includes(`rid=${id}`));
    assert.match(line ?? '', /"GET \/login HTTP\/1\.1" 200 /);
    await waitFor('the app log line', () => Promise.resolve(procs.output('app').includes(id)), 5_000);
  });

  it('answers 413 itself for an oversized upload (8 MB), without bothering the app', async () => {
    const boundary = `----bookstore${randomBytes(8).toString('hex')}`;
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="cover"; filename="big.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
      Buffer.alloc(8 * 1024 * 1024, 0xff),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const before = procs.output('app').split('/book/add_book').length;
    const r = await https('/book/add_book', {
      method: 'POST',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length },
      body,
      timeoutMs: 30_000,
    });
    assert.equal(r.status, 413);
    assert.match(r.text, /413 Request Entity Too Large/);
    assert.match(r.text, /<center>nginx<\/center>/, 'the page comes from nginx');
    assert.equal(r.headers['x-request-id'], undefined, 'the app never saw it');
    assert.equal(procs.output('app').split('/book/add_book').length, before);
  });

  it('lets a 5 MB cover plus form fields through to the app', async () => {
    const boundary = `----bookstore${randomBytes(8).toString('hex')}`;
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="title"\r\n\r\nA book\r\n`),
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="cover"; filename="c.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`),
      Buffer.alloc(5 * 1024 * 1024 - 1024, 0xff),
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const r = await https('/book/add_book', {
      method: 'POST',
      headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}`, 'Content-Length': body.length },
      body,
      timeoutMs: 30_000,
    });
    // Not logged in and no CSRF token: the app refuses it, but it is the app answering.
    assert.ok(r.headers['x-request-id'], `expected the app to answer, got ${r.status} ${r.text.slice(0, 200)}`);
    assert.doesNotMatch(r.text, /<center>nginx<\/center>/);
  });

  it('serves /public/ files itself with cache headers, nosniff and gzip', async () => {
    const css = fs.readFileSync(path.join(ROOT, 'public', 'css', 'app.css'));
    const r = await https('/public/css/app.css');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, css);
    assert.match(String(r.headers['content-type']), /^text\/css/);
    assert.equal(r.headers['cache-control'], 'public, max-age=604800');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['strict-transport-security'], 'max-age=63072000');
    assert.equal(r.headers['x-request-id'], undefined, 'served by nginx, not proxied');
    if (css.length >= 1024) {
      const gz = await https('/public/css/app.css', { headers: { 'Accept-Encoding': 'gzip' } });
      assert.equal(gz.headers['content-encoding'], 'gzip');
    }
    assert.equal((await https('/public/css/does-not-exist.css')).status, 404);
  });

  it('serves covers from the uploads dir with long cache headers; nothing else there', async () => {
    const key = randomUUID();
    const covers = mkdirp(layout.uploadsDir, 'covers');
    const bytes = randomBytes(300);
    for (const name of [`${key}.webp`, `${key}-thumb.webp`]) {
      fs.writeFileSync(path.join(covers, name), bytes);
      fs.chmodSync(path.join(covers, name), 0o644);
    }
    fs.writeFileSync(path.join(covers, 'note.html'), '<script>alert(1)</script>');
    for (const p of [`/uploads/covers/${key}.webp`, `/uploads/covers/${key}-thumb.webp`]) {
      const r = await https(p);
      assert.equal(r.status, 200, p);
      assert.deepEqual(r.body, bytes);
      assert.equal(r.headers['content-type'], 'image/webp');
      assert.equal(r.headers['cache-control'], 'public, max-age=31536000, immutable');
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
      assert.match(String(r.headers['content-security-policy']), /sandbox/);
      assert.equal(r.headers['strict-transport-security'], 'max-age=63072000');
      assert.equal(r.headers['x-request-id'], undefined, 'served by nginx, not proxied');
    }
    assert.equal((await https('/uploads/covers/note.html')).status, 404);
    assert.equal((await https(`/uploads/covers/${randomUUID()}.webp`)).status, 404);
  });
});
