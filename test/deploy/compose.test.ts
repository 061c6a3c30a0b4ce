// docker-compose.yml validates with Debian's docker-compose (v1) `config` in a
// fresh-checkout situation (no .env, nothing in the environment), and with a .env
// made from deploy/.env.production.example. Plus static checks of the Dockerfile.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT, assertTools, findTools, run, tempDir } from './lib.js';

const tools = findTools(['docker-compose', 'python3']);

interface Service {
  image?: string;
  build?: { context: string; target?: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  ports?: (string | { target: number; published: number | string })[];
  volumes?: (string | { type: string; source: string; target: string; read_only?: boolean })[];
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: { test: string[] };
  user?: string;
}
interface Compose {
  services: Record<string, Service>;
  volumes: Record<string, unknown>;
}

/** A copy of what a fresh clone has for compose: no .env, no node_modules. */
function freshCheckout(): string {
  const dir = tempDir('compose');
  for (const f of ['docker-compose.yml', 'docker-compose.services.yml', 'Dockerfile', 'Dockerfile.services', '.dockerignore', 'deploy', 'nginx']) {
    fs.cpSync(path.join(ROOT, f), path.join(dir, f), { recursive: true });
  }
  return dir;
}

function composeConfig(dir: string, file = 'docker-compose.yml', settings: Record<string, string> = {}): Compose {
  // Nothing from the developer's environment (DOMAIN, secrets...) may leak in.
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', ...settings };
  const r = run(tools.bin('docker-compose'), ['--project-directory', dir, '-f', path.join(dir, file), 'config'], { env, cwd: dir });
  assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
  fs.writeFileSync(path.join(dir, 'resolved.yml'), r.stdout);
  const p = run(tools.bin('python3'), ['-c', `import json, yaml; print(json.dumps(yaml.safe_load(open(${JSON.stringify(path.join(dir, 'resolved.yml'))}))))`], { env });
  assert.equal(p.status, 0, p.stderr);
  return JSON.parse(p.stdout) as Compose;
}

function svc(c: Compose, name: string): Service {
  const s = c.services[name];
  assert.ok(s, `service ${name}`);
  return s;
}

const volumeSpecs = (s: Service) =>
  (s.volumes ?? []).map((v) => (typeof v === 'string' ? v : `${v.source}:${v.target}${v.read_only ? ':ro' : ''}`));

describe('docker-compose.yml', { skip: tools.skip, timeout: 60_000 }, () => {
  const dirs: string[] = [];
  before(() => assertTools(tools));
  after(() => {
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  it('validates on a fresh checkout without .env and runs in localhost mode', () => {
    const dir = freshCheckout();
    dirs.push(dir);
    assert.equal(fs.existsSync(path.join(dir, '.env')), false);
    const c = composeConfig(dir);
    assert.deepEqual(Object.keys(c.services).sort(), ['app', 'backup', 'certbot', 'db', 'init', 'nginx']);

    const [db, app, nginx, certbot, init] = ['db', 'app', 'nginx', 'certbot', 'init'].map((n) => svc(c, n)) as [Service, Service, Service, Service, Service];
    assert.equal(db.image, 'mariadb:10.11', 'the engine every test runs on');
    assert.equal(init.image, 'mariadb:10.11');
    assert.equal(db.environment?.MARIADB_DATABASE, 'bookstore');
    assert.equal(db.environment?.MARIADB_ROOT_PASSWORD_FILE, '/run/bookstore-secrets/db_root_password');
    assert.equal(db.ports, undefined, 'the database publishes no port');
    assert.ok(db.healthcheck?.test.join(' ').includes('healthcheck.sh --connect --innodb_initialized'));
    assert.ok(db.command?.includes('--default-time-zone=+00:00'));
    assert.ok(volumeSpecs(db).some((v) => v.startsWith('db:/var/lib/mysql')));
    assert.equal(db.depends_on?.init?.condition, 'service_completed_successfully');

    assert.equal(app.build?.target, 'runtime');
    assert.equal(app.ports, undefined, 'the app is reached through nginx only');
    assert.equal(app.depends_on?.db?.condition, 'service_healthy');
    assert.equal(app.environment?.NODE_ENV, 'production');
    assert.equal(app.environment?.MIGRATE_ON_START, 'true');
    assert.notEqual(app.environment?.TRUST_PROXY, 'true');
    assert.ok(app.environment?.SESSION_SECRET_FILE && app.environment?.JWT_SECRET_FILE, 'secrets come from the secrets volume');
    assert.ok(volumeSpecs(app).some((v) => v.startsWith('uploads:/var/lib/bookstore/uploads')));

    // No secret value anywhere in the resolved config without .env: generated at first start.
    assert.equal(init.environment?.SESSION_SECRET, '');
    assert.equal(init.environment?.JWT_SECRET, '');

    assert.equal(nginx.build?.target, 'web');
    const ports = JSON.stringify(nginx.ports);
    assert.match(ports, /80/);
    assert.match(ports, /443/);
    assert.equal(nginx.environment?.NGINX_SERVER_NAME, 'localhost');
    assert.ok(volumeSpecs(nginx).some((v) => /^uploads:\/srv\/bookstore\/uploads:ro$/.test(v)), 'uploads read-only in nginx');

    assert.equal(certbot.environment?.DOMAIN, '');
    assert.equal(certbot.environment?.CERTBOT_SERVER, 'https://acme-v02.api.letsencrypt.org/directory');
    for (const v of ['db', 'uploads', 'secrets', 'letsencrypt', 'acme-webroot', 'backups']) assert.ok(v in c.volumes, `volume ${v}`);

    // Backups: the database's image (it has mariadb-dump), daily, seven kept, root's password from the
    // secrets volume (read by the script into an option file), nothing secret in its environment.
    const backup = svc(c, 'backup');
    assert.equal(backup.image, 'mariadb:10.11');
    assert.deepEqual(backup.command, ['schedule']);
    assert.equal(backup.environment?.BACKUP_INTERVAL, '24h');
    assert.equal(backup.environment?.BACKUP_KEEP, '7');
    assert.ok(volumeSpecs(backup).some((v) => v.startsWith('backups:/backups')));
    assert.ok(volumeSpecs(backup).some((v) => /^secrets:\/run\/bookstore-secrets:ro$/.test(v)));
    assert.doesNotMatch(JSON.stringify(backup), /PASSWORD/);
    assert.ok(backup.healthcheck?.test.join(' ').includes('backup.sh health'));

    // Every file bind-mounted from the checkout exists.
    for (const s of Object.values(c.services)) {
      for (const v of volumeSpecs(s)) {
        const src = v.split(':')[0] ?? '';
        if (src.startsWith('/')) assert.ok(fs.existsSync(src), `bind mount source ${src}`);
      }
    }
  });

  it('takes DOMAIN, e-mail and secrets from a .env made from deploy/.env.production.example', () => {
    const dir = freshCheckout();
    dirs.push(dir);
    const example = fs.readFileSync(path.join(dir, 'deploy', '.env.production.example'), 'utf8');
    const env = example
      .replace(/^DOMAIN=.*$/m, 'DOMAIN=shop.bookstore.test')
      .replace(/^CERTBOT_EMAIL=.*$/m, 'CERTBOT_EMAIL=ops@bookstore.test')
      .replace(/^SESSION_SECRET=.*$/m, `SESSION_SECRET=${'s'.repeat(48)}`)
      .replace(/^JWT_SECRET=.*$/m, `JWT_SECRET=${'j'.repeat(48)}`);
    fs.writeFileSync(path.join(dir, '.env'), env);
    const c = composeConfig(dir);
    assert.equal(svc(c, 'nginx').environment?.NGINX_SERVER_NAME, 'shop.bookstore.test');
    assert.equal(svc(c, 'nginx').environment?.DOMAIN, 'shop.bookstore.test');
    assert.equal(svc(c, 'certbot').environment?.DOMAIN, 'shop.bookstore.test');
    assert.equal(svc(c, 'certbot').environment?.CERTBOT_EMAIL, 'ops@bookstore.test');
    assert.equal(svc(c, 'init').environment?.SESSION_SECRET, 's'.repeat(48));
    assert.equal(svc(c, 'app').environment?.TRUST_PROXY, '1');
  });

  it('takes another database image, ports and a backup folder on the host from the settings', () => {
    const dir = freshCheckout();
    dirs.push(dir);
    fs.writeFileSync(
      path.join(dir, '.env'),
      'DB_IMAGE=mysql:8.4\nDB_HEALTHCHECK=mysqladmin ping -h 127.0.0.1\nHTTP_PORT=8080\nHTTPS_PORT=8443\nBACKUP_DIR=/srv/backups\nBACKUP_INTERVAL=6h\nBACKUP_KEEP=28\n',
    );
    const c = composeConfig(dir);
    for (const name of ['db', 'init', 'backup']) assert.equal(svc(c, name).image, 'mysql:8.4', name);
    assert.ok(svc(c, 'db').healthcheck?.test.join(' ').includes('mysqladmin ping -h 127.0.0.1'));
    assert.match(JSON.stringify(svc(c, 'nginx').ports), /8443/);
    assert.ok(volumeSpecs(svc(c, 'backup')).some((v) => v.startsWith('/srv/backups:/backups')), JSON.stringify(svc(c, 'backup').volumes));
    assert.equal(svc(c, 'backup').environment?.BACKUP_INTERVAL, '6h');
    assert.equal(svc(c, 'backup').environment?.BACKUP_KEEP, '28');
  });
});

describe('docker-compose.services.yml', { skip: tools.skip, timeout: 60_000 }, () => {
  before(() => assertTools(tools));

  it('runs the three services on MariaDB 10.11 behind the gateway built from the Ingress', () => {
    const dir = freshCheckout();
    try {
      const pem = (kind: string) => `-----BEGIN ${kind} KEY-----\nAAAA\n-----END ${kind} KEY-----`;
      const c = composeConfig(dir, 'docker-compose.services.yml', {
        SESSION_SECRET: 's'.repeat(48), DB_ROOT_PASSWORD: 'root-password', JWT_PRIVATE_KEY: pem('PRIVATE'), JWT_PUBLIC_KEY: pem('PUBLIC'),
        CATALOG_SERVICE_KEY: pem('PRIVATE'), ORDER_SERVICE_KEY: pem('PRIVATE'), TRUSTED_BY_AUTH: '{}', TRUSTED_BY_CATALOG: '{}',
      });
      assert.deepEqual(Object.keys(c.services).sort(), ['auth', 'catalog', 'db', 'gateway', 'order']);
      assert.equal(svc(c, 'db').image, 'mariadb:10.11');
      assert.ok(svc(c, 'db').healthcheck?.test.join(' ').includes('healthcheck.sh --connect --innodb_initialized'));
      assert.equal(svc(c, 'gateway').build?.target, 'gateway');
      assert.match(JSON.stringify(svc(c, 'gateway').ports), /8443/);
      for (const name of ['auth', 'catalog', 'order']) assert.equal(svc(c, name).depends_on?.db?.condition, 'service_healthy', name);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Dockerfile', () => {
  const text = fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8');
  const stages = [...text.matchAll(/^FROM\s+(\S+)\s+AS\s+(\S+)/gim)].map((m) => ({ image: m[1], name: m[2] }));

  it('is multi-stage with the runtime (app) as the last, default stage', () => {
    assert.deepEqual(stages.map((s) => s.name), ['build', 'deps', 'web', 'runtime']);
    assert.match(text, /ARG NODE_IMAGE=node:24-bookworm-slim/);
    assert.match(text, /npm ci --no-audit/);
    assert.match(text, /npm run build/);
    assert.match(text, /npm ci --omit=dev/);
  });

  it('runs the app as a non-root user under an init process, with a /ping healthcheck and TZ=UTC', () => {
    const runtime = text.slice(text.search(/^FROM\s+\S+\s+AS\s+runtime/m));
    assert.match(runtime, /^USER node$/m);
    assert.match(runtime, /ENTRYPOINT \["\/usr\/bin\/tini", "--"/);
    assert.match(runtime, /HEALTHCHECK [^\n]*\\\n\s*CMD \["node", "-e", "[^\n]*\/ping/, 'healthcheck with node, no curl needed');
    assert.match(runtime, /TZ=UTC/);
  });

  it('keeps secrets and local state out of the build context', () => {
    const ignore = fs.readFileSync(path.join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
    for (const p of ['.env', '**/node_modules', 'dist', 'uploads', '.git']) assert.ok(ignore.includes(p), `.dockerignore lists ${p}`);
  });
});
