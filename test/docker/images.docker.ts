// Every image we ship, built from the checkout and run for real: the monolith's app image (Dockerfile)
// and the auth, catalog and order targets of Dockerfile.services. Each runs as a non-root user on
// Node.js 24, turns healthy by its own HEALTHCHECK next to a MariaDB 10.11 container, and holds no
// sources, tests, dev dependencies or .env. The sizes are printed (and kept in the test output).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { Scratch, build, docker, dockerOk, engineMissing, imageSizeMb, readText, waitHealthy } from './lib.js';

interface Image {
  name: string;
  tag: string;
  file?: string;
  target?: string;
}
const IMAGES: Image[] = [
  { name: 'app', tag: 'bookstore-app:test' },
  { name: 'auth', tag: 'bookstore-auth:test', file: 'Dockerfile.services', target: 'auth' },
  { name: 'catalog', tag: 'bookstore-catalog:test', file: 'Dockerfile.services', target: 'catalog' },
  { name: 'order', tag: 'bookstore-order:test', file: 'Dockerfile.services', target: 'order' },
];
// Packages only the build and the tests need (package-lock marks them dev; @types/node is not: mysql2 needs it).
const lock = JSON.parse(readText('package-lock.json')) as { packages: Record<string, { dev?: boolean }> };
const DEV_ONLY = Object.entries(lock.packages)
  .filter(([p, info]) => info.dev && /^node_modules\/(@[^/]+\/)?[^/]+$/.test(p))
  .map(([p]) => p.slice('node_modules/'.length));
const skip = engineMissing();

async function keyPair() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { priv: await exportPKCS8(privateKey), pub: await exportSPKI(publicKey) };
}

describe('the images', { skip, timeout: 30 * 60_000 }, () => {
  const scratch = new Scratch();
  const sizes: string[] = [];
  let network = '';
  let db = '';
  const running = new Map<string, string>();

  /** Starts the image the way compose does (read-only, no capabilities) with a database of its own. */
  async function startNextToDb(image: Image): Promise<string> {
    const database = `bookstore_${image.name}_${randomBytes(3).toString('hex')}`;
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      MIGRATE_ON_START: 'true',
      SESSION_SECRET: randomBytes(32).toString('hex'),
      JWT_SECRET: randomBytes(32).toString('hex'),
      DATABASE_URL: `mysql://root:root-test-password@${db}:3306/${database}`,
    };
    if (image.name !== 'app') {
      const [jwt, service] = await Promise.all([keyPair(), keyPair()]);
      Object.assign(env, {
        SESSION_DATABASE_URL: env.DATABASE_URL,
        JWT_PRIVATE_KEY: jwt.priv,
        JWT_PUBLIC_KEY: jwt.pub,
        SERVICE_PRIVATE_KEY: service.priv,
        TRUSTED_SERVICE_KEYS: JSON.stringify({ catalog: service.pub, order: service.pub }),
      });
    }
    const flags = ['--network', network, '--read-only', '--tmpfs', '/tmp', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges:true'];
    for (const [k, v] of Object.entries(env)) flags.push('-e', `${k}=${v}`);
    return scratch.run(image.tag, flags);
  }

  before(async () => {
    // One at a time: the machine is small and the builds share their layers.
    for (const image of IMAGES) await build(image.tag, image);
    network = await scratch.network();
    // The image has no HEALTHCHECK of its own (compose gives it one): the same check, here.
    const health = ['--health-cmd', 'healthcheck.sh --connect --innodb_initialized', '--health-interval', '2s', '--health-start-period', '90s', '--health-retries', '30'];
    db = await scratch.run('mariadb:10.11', ['--network', network, '-e', 'MARIADB_ROOT_PASSWORD=root-test-password', ...health]);
    await waitHealthy(db, 120_000);
    // All four at once: a HEALTHCHECK first runs 30 s after the start.
    for (const image of IMAGES) running.set(image.name, await startNextToDb(image));
  });
  after(async () => {
    await scratch.cleanup();
    if (sizes.length) console.log(`image sizes:\n${sizes.join('\n')}`);
  });

  for (const image of IMAGES) {
    test(`${image.name}: non-root, Node.js 24, nothing but what runs`, async () => {
      const user = await dockerOk(['image', 'inspect', '--format', '{{.Config.User}}', image.tag]);
      assert.equal(user, 'node');
      assert.notEqual(await dockerOk(['run', '--rm', '--entrypoint', 'id', image.tag, '-u']), '0', 'runs as a non-root uid');
      assert.match(await dockerOk(['run', '--rm', '--entrypoint', 'node', image.tag, '--version']), /^v24\./);
      const listing = await dockerOk([
        'run', '--rm', '--entrypoint', 'sh', image.tag, '-c',
        'cd /app && ls -A && echo "--- modules" && cd node_modules && for d in * @*/*; do echo "$d"; done && echo "--- env" && find / -xdev -name ".env*" 2>/dev/null; true',
      ]);
      const [top = '', modules = '', envFiles = ''] = listing.split(/--- modules|--- env/).map((s) => s.trim());
      const entries = top.split('\n');
      for (const forbidden of ['src', 'test', '.env', 'tsconfig.json', 'scripts']) assert.ok(!entries.includes(forbidden), `/app holds ${forbidden}: ${entries.join(' ')}`);
      assert.ok(entries.includes('dist') && entries.includes('node_modules'), `/app: ${entries.join(' ')}`);
      const installed = new Set(modules.split('\n'));
      assert.ok(installed.has('express') && DEV_ONLY.includes('typescript'), 'the listing works');
      assert.deepEqual(DEV_ONLY.filter((d) => installed.has(d)), [], 'no dev dependency in node_modules');
      assert.equal(envFiles, '', 'no .env file anywhere in the image');
    });

    test(`${image.name}: its HEALTHCHECK turns healthy next to MariaDB 10.11`, async () => {
      const c = running.get(image.name) ?? assert.fail('not started');
      await waitHealthy(c, 150_000);
      const size = await imageSizeMb(image.tag);
      sizes.push(`  ${image.tag.padEnd(24)} ${size} MB`);
      console.log(`${image.tag}: healthy, ${size} MB`);
      await docker(['rm', '-f', c]);
    });
  }
});
