// `nginx -t` on the project's nginx config (nginx/templates + nginx/snippets),
// rendered the way the official image renders it, with test paths and ports.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, assertTools, findTools, freePort, layoutNginx, nginxArgs, run, selectCert, tempDir, type NginxLayout } from './lib.js';

const tools = findTools(['nginx', 'openssl']);
const templatePath = path.join(ROOT, 'nginx', 'templates', 'bookstore.conf.template');

describe('nginx config', { skip: tools.skip, timeout: 60_000 }, () => {
  let layout: NginxLayout;
  let rendered: string;
  const dirs: string[] = [];

  before(async () => {
    assertTools(tools);
    const publicDir = tempDir('public');
    dirs.push(publicDir);
    layout = layoutNginx({
      serverName: 'shop.bookstore.test',
      httpPort: await freePort(),
      httpsPort: await freePort(),
      appPort: await freePort(),
      publicDir,
    });
    dirs.push(layout.prefix);
    assert.equal(selectCert(layout, 'shop.bookstore.test', path.join(layout.prefix, 'letsencrypt')), 'selfsigned');
    rendered = fs.readFileSync(path.join(path.dirname(layout.conf), 'bookstore.conf'), 'utf8');
  });

  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('passes nginx -t', () => {
    const r = run(tools.bin('nginx'), [...nginxArgs(layout), '-t']);
    assert.equal(r.status, 0, `nginx -t failed:\n${r.stderr}`);
    assert.match(r.stderr, /test is successful/);
  });

  it('uses only ${NGINX_*} placeholders, so envsubst in the image cannot eat nginx variables', () => {
    const template = fs.readFileSync(templatePath, 'utf8');
    const braced = [...template.matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1] ?? '');
    assert.ok(braced.length > 0);
    for (const name of braced) assert.match(name, /^NGINX_[A-Z_]+$/, `unexpected placeholder \${${name}}`);
    // Unbraced $NAME is substituted by envsubst too when NAME is in the environment:
    // nginx variables are lower-case, environment variables upper-case.
    for (const m of template.matchAll(/\$([A-Za-z_][A-Za-z0-9_]*)/g)) {
      assert.doesNotMatch(m[1] ?? '', /[A-Z]/, `nginx variable $${m[1] ?? ''} could collide with an environment variable`);
    }
  });

  it('has the TLS, proxy and upload settings the issue asks for', () => {
    const snippets = ['tls.conf', 'proxy.conf', 'hsts.conf']
      .map((f) => fs.readFileSync(path.join(ROOT, 'nginx', 'snippets', f), 'utf8'))
      .join('\n');
    const all = `${rendered}\n${snippets}`;
    assert.match(all, /^\s*ssl_protocols TLSv1\.2 TLSv1\.3;/m);
    assert.doesNotMatch(all, /TLSv1(\.1)?[ ;]/);
    assert.match(all, /^\s*client_max_body_size 6m;/m);
    // Only the claim form takes more: up to 3 photos of 5 MB each.
    assert.match(rendered, /location ~ "\^\/purchases\/\[0-9\]\+\/parcels\/\[0-9\]\+\/claim\$" \{\s*client_max_body_size 16m;/);
    assert.match(all, /proxy_set_header Host \$host;/);
    assert.match(all, /proxy_set_header X-Forwarded-For \$remote_addr;/);
    assert.match(all, /proxy_set_header X-Forwarded-Proto \$scheme;/);
    assert.match(all, /proxy_set_header X-Request-Id \$request_id;/);
    assert.match(all, /add_header Strict-Transport-Security "max-age=(\d+)"/);
    const hsts = Number(/max-age=(\d+)/.exec(snippets)?.[1]);
    assert.ok(hsts >= 15724800, 'HSTS max-age >= 182 days');
    assert.match(all, /location \^~ \/\.well-known\/acme-challenge\//);
    assert.match(all, /proxy_read_timeout \d+s;/);
    assert.match(rendered, /server_tokens off;/);
  });
});
