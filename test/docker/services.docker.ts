// The split shop for real: `docker-compose -f docker-compose.services.yml up -d --build` (a scratch
// project on a free port, keys made here as docs/services.md tells an operator to), then the
// shopper's journey over HTTPS through its gateway (nginx configured like the Ingress) in front of
// auth, catalog and order. `down -v` at the end.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { freePort, sleep } from '../deploy/lib.js';
import { ComposeProject, dockerOk, engineMissing } from './lib.js';
import { client, SERVICES, Shop } from './shop.js';

const skip = engineMissing();

async function keyPair() {
  const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
  return { priv: await exportPKCS8(privateKey), pub: await exportSPKI(publicKey) };
}

describe('docker-compose.services.yml', { skip, timeout: 30 * 60_000 }, () => {
  let project: ComposeProject;
  let shop: Shop;

  before(async () => {
    const [jwt, catalog, order] = await Promise.all([keyPair(), keyPair(), keyPair()]);
    const https = await freePort();
    project = new ComposeProject('docker-compose.services.yml', {
      HTTPS_PORT: String(https),
      SESSION_SECRET: randomBytes(32).toString('hex'),
      DB_ROOT_PASSWORD: randomBytes(16).toString('hex'),
      JWT_PRIVATE_KEY: jwt.priv,
      JWT_PUBLIC_KEY: jwt.pub,
      CATALOG_SERVICE_KEY: catalog.priv,
      ORDER_SERVICE_KEY: order.priv,
      TRUSTED_BY_AUTH: JSON.stringify({ catalog: catalog.pub, order: order.pub }),
      TRUSTED_BY_CATALOG: JSON.stringify({ order: order.pub }),
    });
    shop = new Shop(`https://127.0.0.1:${https}`, SERVICES);
    await project.up();
  });
  after(async () => {
    await project?.down();
    if (project) assert.equal(await project.leftovers(), '', 'down -v leaves no container or volume');
  });

  test('the gateway answers over HTTPS in front of the three services, on MariaDB 10.11', async () => {
    const until = Date.now() + 180_000;
    for (;;) {
      const pages = await Promise.all(['/auth/login', '/book/catalog', '/order/track'].map((p) => client(shop.base).get(p).then((r) => r.status, () => 0)));
      if (pages.every((s) => s === 200)) break;
      if (Date.now() > until) {
        console.log(await project.logs());
        assert.fail(`auth, catalog, order through the gateway: ${pages.join(', ')}`);
      }
      await sleep(1000);
    }
    assert.equal(await dockerOk(['inspect', '--format', '{{.Config.Image}}', await project.container('db')]), 'mariadb:10.11');
  });

  test('a journey: list a book with a cover, another account buys it, chooses a delivery, pays; the seller sees the sale', async () => {
    await shop.journey();
  });
});
