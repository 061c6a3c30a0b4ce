// The nginx image's HEALTHCHECK watches the certificate it serves: one that expires within 14 days
// makes it fail (and one within 21 days logs a warning, once a day, in the container's log); a fresh
// one passes. The image is the one compose builds (Dockerfile, target web), its own entrypoint and
// check command; only the certificate is ours, put where certbot would put it.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { run, tempDir } from '../deploy/lib.js';
import { Scratch, build, docker, dockerOk, engineMissing } from './lib.js';

const skip = engineMissing();
const IMAGE = 'bookstore-web:test';
const DOMAIN = 'shop.bookstore.test';

describe('the nginx image\'s certificate HEALTHCHECK', { skip, timeout: 15 * 60_000 }, () => {
  const scratch = new Scratch();
  let dir = '';
  let container = '';
  let check: string[] = [];

  /** A self-signed certificate for DOMAIN valid `days` days, where certbot keeps the live one. */
  function issue(days: number): void {
    const live = path.join(dir, 'live', DOMAIN);
    fs.mkdirSync(live, { recursive: true });
    const r = run('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', String(days),
      '-subj', `/CN=${DOMAIN}`, '-addext', `subjectAltName=DNS:${DOMAIN}`, '-keyout', path.join(live, 'privkey.pem'), '-out', path.join(live, 'fullchain.pem'),
    ]);
    assert.equal(r.status, 0, r.stderr);
    fs.chmodSync(path.join(live, 'privkey.pem'), 0o644);
  }

  /** Runs the image's own HEALTHCHECK command in the container. */
  async function healthcheck() {
    return docker(['exec', container, ...check]);
  }

  before(async () => {
    await build(IMAGE, { target: 'web' });
    const test = JSON.parse(await dockerOk(['image', 'inspect', '--format', '{{json .Config.Healthcheck.Test}}', IMAGE])) as string[];
    assert.equal(test[0], 'CMD');
    check = test.slice(1);
    dir = tempDir('letsencrypt');
    issue(3);
    container = await scratch.run(IMAGE, [
      '-e', `DOMAIN=${DOMAIN}`, '-e', `NGINX_SERVER_NAME=${DOMAIN}`, '-e', 'NGINX_APP_UPSTREAM=127.0.0.1:3000', '-e', 'CERT_CHECK_INTERVAL=1',
      '-v', `${dir}:/etc/letsencrypt:ro`,
    ]);
  });
  after(async () => {
    await scratch.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  test('a certificate valid for 3 more days fails the check and warns in the log', async () => {
    let r = await healthcheck();
    for (let i = 0; i < 20 && /no certificate served/.test(r.stderr); i++) {
      await new Promise((ok) => setTimeout(ok, 500));
      r = await healthcheck();
    }
    assert.equal(r.status, 1, `${r.stdout}${r.stderr}`);
    assert.match(r.stderr, /expires .* within 14 days/);
    await healthcheck();
    const logs = await docker(['logs', container]);
    const warnings = (logs.stdout + logs.stderr).split('\n').filter((l) => /WARNING: the certificate served for shop\.bookstore\.test expires/.test(l));
    assert.equal(warnings.length, 1, 'one warning a day in the container log, however often the check runs');
  });

  test('a fresh certificate passes, once nginx serves it', async () => {
    issue(90);
    // The image's watcher (bookstore-tls watch) reloads nginx when the files change.
    const until = Date.now() + 30_000;
    let r = await healthcheck();
    while (r.status !== 0 && Date.now() < until) {
      await new Promise((ok) => setTimeout(ok, 500));
      r = await healthcheck();
    }
    assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
    assert.match(r.stdout, /valid until/);
  });
});
