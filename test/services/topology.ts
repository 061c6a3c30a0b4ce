// The split shop on this machine: three databases, the three services as separate processes, and
// the nginx generated from k8s/base/ingress.yaml in front of them, ending TLS with a self-signed
// certificate (as the Ingress does with cert-manager's). Used by test/services/*.services.ts and by
// deploy/local/services.sh (through test/services/stack.cli.ts). Nothing is mocked.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { dropDatabase, migrate, type Feature } from '../../src/db/migrate.js';
import type { ServiceName } from '../../src/http/urls.js';
// @ts-expect-error -- a plain .mjs script, shared with the command line
import { nginxConfig as generate } from '../../scripts/ingress-nginx.mjs';

const nginxConfig = generate as (o: { ingressText: string; upstreams: Record<string, string>; listen: number; cert: string; key: string; prefix: string }) => string;

export const SERVER_URL = process.env.TEST_DATABASE_SERVER ?? 'mysql://root@127.0.0.1:3306';
const SERVICES: { name: ServiceName; feature: Feature }[] = [
  { name: 'auth', feature: 'accounts' },
  { name: 'catalog', feature: 'catalog' },
  { name: 'order', feature: 'orders' },
];

export interface Topology {
  base: string;
  dir: string;
  ports: Record<ServiceName, number>;
  databases: Record<ServiceName, string>;
  /** The callers' private keys (PKCS#8), for tests that send /internal requests as order or catalog would. */
  serviceKeys: Record<'catalog' | 'order', string>;
  stop(name: ServiceName): Promise<void>;
  start(name: ServiceName): Promise<void>;
  logs(name: ServiceName): string;
  close(): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

async function keyPair() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { priv: await exportPKCS8(privateKey), pub: await exportSPKI(publicKey) };
}

async function waitFor(url: string, ms: number, alive: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (!alive()) throw new Error(`process for ${url} exited`);
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not answer within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function startTopology(opts: { nginxPort?: number; env?: Record<string, string> } = {}): Promise<Topology> {
  const id = randomBytes(4).toString('hex');
  const dir = mkdtempSync(join(tmpdir(), `bookstore-services-${id}-`));
  // nginx keeps its temp files (request bodies over its buffer, large answers) in here; started as
  // root, its workers run as `nobody`, and mkdtemp's 0700 would keep them out (500 on an upload).
  // 0711 lets them reach the temp folders nginx makes for them, not list or read the rest.
  chmodSync(dir, 0o711);
  const databases = Object.fromEntries(SERVICES.map((s) => [s.name, `bookstore_test_${id}_${s.name}`])) as Record<ServiceName, string>;
  const dbUrl = (n: ServiceName) => `${SERVER_URL}/${databases[n]}`;
  // Each service migrates only its own feature's tables, into its own database.
  for (const s of SERVICES) await migrate(dbUrl(s.name), { features: [s.feature] });

  const [jwt, catalogKey, orderKey] = await Promise.all([keyPair(), keyPair(), keyPair()]);
  const ports = { auth: await freePort(), catalog: await freePort(), order: await freePort() };
  const nginxPort = opts.nginxPort ?? (await freePort());
  const uploads = join(dir, 'uploads');
  mkdirSync(uploads);
  const common = {
    NODE_ENV: 'production',
    SESSION_SECRET: randomBytes(32).toString('hex'),
    JWT_SECRET: randomBytes(32).toString('hex'), // the monolith's HS256 secret: unused by the services
    HOST: '127.0.0.1', // reached only through nginx, on this machine
    TRUST_PROXY: 'loopback',
    LOG_LEVEL: 'info',
    AUTH_URL: `http://127.0.0.1:${ports.auth}`,
    CATALOG_URL: `http://127.0.0.1:${ports.catalog}`,
    UPLOAD_DIR: uploads,
    JWT_PUBLIC_KEY: jwt.pub,
    CALL_TIMEOUT_MS: '1500',
    DELIVERY_SPEEDUP: '3600',
    ...opts.env,
  };
  const env: Record<ServiceName, Record<string, string>> = {
    auth: { ...common, PORT: String(ports.auth), DATABASE_URL: dbUrl('auth'), JWT_PRIVATE_KEY: jwt.priv, TRUSTED_SERVICE_KEYS: JSON.stringify({ catalog: catalogKey.pub, order: orderKey.pub }) },
    catalog: { ...common, PORT: String(ports.catalog), DATABASE_URL: dbUrl('catalog'), SERVICE_PRIVATE_KEY: catalogKey.priv, TRUSTED_SERVICE_KEYS: JSON.stringify({ order: orderKey.pub }) },
    order: { ...common, PORT: String(ports.order), DATABASE_URL: dbUrl('order'), SERVICE_PRIVATE_KEY: orderKey.priv },
  };

  const procs = new Map<ServiceName, ChildProcess>();
  const logs: Record<ServiceName, string[]> = { auth: [], catalog: [], order: [] };
  const start = async (name: ServiceName) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join('src', 'services', `${name}.ts`)], { env: { PATH: process.env.PATH ?? '', ...env[name] }, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (b: Buffer) => logs[name].push(b.toString()));
    child.stderr.on('data', (b: Buffer) => logs[name].push(b.toString()));
    procs.set(name, child);
    await waitFor(`http://127.0.0.1:${ports[name]}/ping`, 30_000, () => child.exitCode === null);
  };
  const stop = async (name: ServiceName) => {
    const child = procs.get(name);
    if (!child || child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    procs.delete(name);
  };

  // nginx, configured from the Ingress, with a self-signed certificate.
  const cert = join(dir, 'tls.crt');
  const key = join(dir, 'tls.key');
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  const upstreams = Object.fromEntries(SERVICES.map((s) => [s.name, `127.0.0.1:${ports[s.name]}`]));
  const ingressText = readFileSync('k8s/base/ingress.yaml', 'utf8');
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConfig({ ingressText, upstreams, listen: nginxPort, cert, key, prefix: dir }));
  let nginx: ChildProcess | undefined;
  const close = async () => {
    if (nginx && nginx.exitCode === null) {
      const exited = new Promise((r) => nginx!.once('exit', r));
      nginx.kill('SIGQUIT');
      await exited;
    }
    for (const s of SERVICES) await stop(s.name);
    for (const s of SERVICES) await dropDatabase(dbUrl(s.name)).catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await Promise.all(SERVICES.map((s) => start(s.name)));
    nginx = spawn('nginx', ['-e', join(dir, 'error.log'), '-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: 'ignore' });
    await waitForTls(nginxPort, () => nginx!.exitCode === null);
  } catch (err) {
    await close();
    throw err;
  }
  const serviceKeys = { catalog: catalogKey.priv, order: orderKey.priv };
  return { base: `https://127.0.0.1:${nginxPort}`, dir, ports, databases, serviceKeys, start, stop, logs: (n) => logs[n].join(''), close };
}

async function waitForTls(port: number, alive: () => boolean): Promise<void> {
  const { connect } = await import('node:tls');
  const until = Date.now() + 10_000;
  for (;;) {
    if (!alive()) throw new Error('nginx exited (see its error.log)');
    const ok = await new Promise<boolean>((resolve) => {
      const s = connect({ host: '127.0.0.1', port, rejectUnauthorized: false }, () => {
        s.end();
        resolve(true);
      });
      s.on('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error('nginx did not listen');
    await new Promise((r) => setTimeout(r, 100));
  }
}
