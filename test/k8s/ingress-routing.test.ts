// The Ingresses as ingress-nginx routes them: scripts/ingress-nginx.mjs renders k8s/base/ingress.yaml
// with the controller's semantics (host-wide case-insensitive regex once any Ingress of the host uses
// use-regex or rewrite-target, its location order, the default backend at `/`), real nginx runs it,
// and stub upstreams say which service got which path with which X-Forwarded-Prefix.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { get as httpsGet } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { freePort } from '../services/topology.js';
// @ts-expect-error -- a plain .mjs script, shared with the command line
import { ingressLocations, nginxConfig } from '../../scripts/ingress-nginx.mjs';

type Locations = (text: string) => { path: string; regex: boolean; defaultBackend?: boolean; service?: string }[];
const locations = ingressLocations as Locations;
const render = nginxConfig as (o: { ingressText: string; upstreams: Record<string, string>; listen: number; cert: string; key: string; prefix: string }) => string;

const SHIPPED = readFileSync('k8s/base/ingress.yaml', 'utf8');
// The design before: regex Ingresses for the prefixes beside an Exact `/` for the home page.
const MIXED = `${SHIPPED.split('\n---\n# The bare host')[0]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: { name: home, annotations: { nginx.ingress.kubernetes.io/x-forwarded-prefix: /book } }
spec:
  ingressClassName: nginx
  rules:
    - host: shop.example.com
      http:
        paths:
          - { path: /, pathType: Exact, backend: { service: { name: catalog, port: { number: 5002 } } } }
`;

function request(port: number, path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpsGet({ host: '127.0.0.1', port, path, rejectUnauthorized: false }, (res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    }).on('error', reject);
  });
}

async function nginxFor(ingressText: string, upstreams: Record<string, string>, dir: string) {
  const port = await freePort();
  const conf = join(dir, `nginx-${port}.conf`);
  writeFileSync(conf, render({ ingressText, upstreams, listen: port, cert: join(dir, 'tls.crt'), key: join(dir, 'tls.key'), prefix: dir }));
  const proc = spawn('nginx', ['-e', join(dir, 'error.log'), '-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try {
      await request(port, '/');
      break;
    } catch (err) {
      if (i > 100 || proc.exitCode !== null) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    proc,
    get: async (path: string) => {
      const res = await request(port, path);
      return res.status === 200 ? (JSON.parse(res.body) as { service: string; url: string; prefix: string }) : res.status;
    },
  };
}

// Every path the three prefixes and the home page leave: the not-found Ingress sends it to catalog on
// a path it has no route for, so the real service answers with the shop's 404 page
// (test/services/edge.services.ts shows that). Nothing is left to the controller's default backend.
const NOT_FOUND_INGRESS = { service: 'catalog', url: '/.ingress-default-backend', prefix: '/book' };

describe('ingress-nginx routing of k8s/base/ingress.yaml', () => {
  let dir: string;
  const stubs: Server[] = [];
  const procs: ChildProcess[] = [];
  const upstreams: Record<string, string> = {};
  let shipped: Awaited<ReturnType<typeof nginxFor>>;
  let mixed: Awaited<ReturnType<typeof nginxFor>>;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ingress-routing-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=localhost', '-keyout', join(dir, 'tls.key'), '-out', join(dir, 'tls.crt')], { stdio: 'ignore' });
    for (const service of ['auth', 'catalog', 'order']) {
      const stub = createServer((req, res) => res.setHeader('content-type', 'application/json').end(JSON.stringify({ service, url: req.url, prefix: req.headers['x-forwarded-prefix'] })));
      await new Promise<void>((r) => stub.listen(0, '127.0.0.1', r));
      stubs.push(stub);
      upstreams[service] = `127.0.0.1:${(stub.address() as AddressInfo).port}`;
    }
    shipped = await nginxFor(SHIPPED, upstreams, dir);
    mixed = await nginxFor(MIXED, upstreams, dir);
    procs.push(shipped.proc, mixed.proc);
  });
  after(() => {
    for (const p of procs) p.kill('SIGQUIT');
    for (const s of stubs) s.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('the emulator renders what the controller renders: every location of the host a regex, default backend `^/` before an Exact `/`', () => {
    const mixedLocations = locations(MIXED);
    assert.ok(mixedLocations.every((l) => l.regex), 'host-wide regex once one Ingress uses it');
    const roots = mixedLocations.filter((l) => l.path === '/');
    assert.deepEqual(roots.map((l) => l.defaultBackend ?? false), [true, false], 'the default backend wins `/`');
    assert.equal(mixed.proc.exitCode, null);
  });

  test('…so the design that mixes Exact with regex sends the home page to the default backend (the controller\'s own 404)', async () => {
    assert.equal(await mixed.get('/'), 404);
  });

  test('an Ingress with its own spec.defaultBackend is refused by name, not routed some other way', () => {
    const withDefault = SHIPPED.replace('  name: not-found\n', '  name: not-found\n').replace('spec:\n  ingressClassName: nginx\n  tls:', 'spec:\n  defaultBackend: { service: { name: catalog, port: { number: 5002 } } }\n  ingressClassName: nginx\n  tls:');
    assert.notEqual(withDefault, SHIPPED);
    assert.throws(() => locations(withDefault), /Ingress auth: spec.defaultBackend is not handled/);
  });

  test('the shipped Ingresses never mix Exact with regex on the host', () => {
    for (const l of locations(SHIPPED)) assert.notEqual((l as { pathType?: string }).pathType, 'Exact', l.path);
  });

  test('the home page and every prefix reach their service, rewritten, with their prefix; anything else to the not-found Ingress', async () => {
    assert.deepEqual(await shipped.get('/'), { service: 'catalog', url: '/', prefix: '/book' });
    assert.deepEqual(await shipped.get('/?lang=en'), { service: 'catalog', url: '/?lang=en', prefix: '/book' });
    assert.deepEqual(await shipped.get('/book'), { service: 'catalog', url: '/', prefix: '/book' });
    assert.deepEqual(await shipped.get('/book/7'), { service: 'catalog', url: '/7', prefix: '/book' });
    assert.deepEqual(await shipped.get('/book/catalog?q=x'), { service: 'catalog', url: '/catalog?q=x', prefix: '/book' });
    assert.deepEqual(await shipped.get('/auth/login?next=%2Fcart'), { service: 'auth', url: '/login?next=%2Fcart', prefix: '/auth' });
    assert.deepEqual(await shipped.get('/order/cart'), { service: 'order', url: '/cart', prefix: '/order' });
    // Case-insensitive, as the controller's `~*`.
    assert.deepEqual(await shipped.get('/Order/cart'), { service: 'order', url: '/cart', prefix: '/order' });
    for (const path of ['/nope', '/bookstore', '/favicon.ico', '/index.html', '/authx']) assert.deepEqual(await shipped.get(path), NOT_FOUND_INGRESS, path);
    assert.deepEqual(await shipped.get('/nope?x=1'), { ...NOT_FOUND_INGRESS, url: '/.ingress-default-backend?x=1' });
  });
});
