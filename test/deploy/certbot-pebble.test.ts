// Certbot obtains a certificate from a local pebble (Let's Encrypt's test ACME
// server) through the project's nginx config by the webroot method, nginx then
// serves it, and `certbot renew --dry-run` succeeds. Nothing leaves 127.0.0.1:
// pebble-challtestsrv answers DNS for the test domain with 127.0.0.1, pebble
// validates http-01 against nginx's (high) HTTP port, and certbot is always
// given --server for the local pebble.
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  Procs, ROOT, assertTools, findTools, freePort, layoutNginx, makeSelfSignedCa, mkdirp, nginxArgs,
  peerCertificate, request, run, selectCert, tempDir, waitFor, type NginxLayout,
} from './lib.js';

const tools = findTools(['nginx', 'openssl', 'certbot', 'pebble', 'pebble-challtestsrv']);
const DOMAIN = 'shop.bookstore.test';

describe('certbot + pebble through nginx (webroot)', { skip: tools.skip, timeout: 180_000 }, () => {
  const procs = new Procs();
  const dirs: string[] = [];
  let work: string;
  let layout: NginxLayout;
  let httpPort: number;
  let httpsPort: number;
  let acmePort: number;
  let pebbleMgmtPort: number;
  let caBundle: string;
  let certbotEnv: NodeJS.ProcessEnv;
  let leDir: string;
  let certbotDirs: string[];
  const onExit = () => procs.killAllSync();

  before(async () => {
    assertTools(tools);
    process.once('exit', onExit);
    work = tempDir('acme');
    dirs.push(work);
    httpPort = await freePort();
    httpsPort = await freePort();
    acmePort = await freePort();
    pebbleMgmtPort = await freePort();
    const dnsPort = await freePort();
    const challMgmtPort = await freePort();
    const tlsAlpnPort = await freePort();

    // pebble's own HTTPS listener needs a certificate; certbot trusts it via REQUESTS_CA_BUNDLE.
    const pebbleTls = makeSelfSignedCa(work, 'pebble-listener', 'IP:127.0.0.1,DNS:localhost');
    caBundle = pebbleTls.cert;

    procs.start('challtestsrv', tools.bin('pebble-challtestsrv'), [
      '-dns01', `127.0.0.1:${dnsPort}`,
      '-http01', '', '-https01', '', '-tlsalpn01', '',
      '-management', `127.0.0.1:${challMgmtPort}`,
      '-defaultIPv4', '127.0.0.1', '-defaultIPv6', '',
    ]);

    // pebble on ports picked just before it starts: another test running beside this one can take
    // such a port first (another server then answers there, with another certificate), so a pebble
    // whose directory or management port does not answer as pebble is stopped and started again on
    // other ports, three times at most.
    const pebbleCa = fs.readFileSync(caBundle);
    for (let attempt = 1; ; attempt++) {
      const pebbleConfig = path.join(work, `pebble-config-${attempt}.json`);
      fs.writeFileSync(pebbleConfig, JSON.stringify({
        pebble: {
          listenAddress: `127.0.0.1:${acmePort}`,
          managementListenAddress: `127.0.0.1:${pebbleMgmtPort}`,
          certificate: pebbleTls.cert,
          privateKey: pebbleTls.key,
          httpPort, // http-01 validation goes to nginx's HTTP port
          tlsPort: tlsAlpnPort,
          ocspResponderURL: '',
          externalAccountBindingRequired: false,
        },
      }));
      const pebble = procs.start('pebble', tools.bin('pebble'), ['-config', pebbleConfig, '-dnsserver', `127.0.0.1:${dnsPort}`], {
        env: { ...process.env, PEBBLE_VA_NOSLEEP: '1', PEBBLE_WFE_NONCEREJECT: '0', PEBBLE_AUTHZREUSE: '0' },
      });
      try {
        // Both of its listeners must be pebble's own (its certificate, its answers).
        await waitFor('pebble directory and management', async () => {
          const dir = await request('https', acmePort, '/dir', { ca: pebbleCa });
          const roots = await request('https', pebbleMgmtPort, '/roots/0', { ca: pebbleCa });
          return dir.status === 200 && roots.status === 200;
        }, 15_000);
        break;
      } catch (err) {
        if (attempt >= 3) throw new Error(`${(err as Error).message}\n${procs.output('pebble').slice(-2000)}`);
        pebble.kill('SIGKILL');
        acmePort = await freePort();
        pebbleMgmtPort = await freePort();
      }
    }

    // nginx with the project's config; no app behind it (not needed for ACME).
    layout = layoutNginx({ serverName: DOMAIN, httpPort, httpsPort, appPort: await freePort() });
    dirs.push(layout.prefix);
    leDir = mkdirp(work, 'letsencrypt');
    assert.equal(selectCert(layout, DOMAIN, leDir), 'selfsigned');
    procs.start('nginx', tools.bin('nginx'), [...nginxArgs(layout), '-g', 'daemon off;']);
    // The same watcher the nginx image runs: re-selects the certificate every second
    // and reloads nginx when it changed.
    procs.start('tls-watch', 'sh', [path.join(ROOT, 'nginx', 'tls', 'bookstore-tls.sh'), 'watch'], {
      env: {
        ...process.env,
        DOMAIN,
        NGINX_TLS_DIR: layout.tlsDir,
        LETSENCRYPT_DIR: leDir,
        CERT_CHECK_INTERVAL: '1',
        NGINX_CTL: [tools.bin('nginx'), ...nginxArgs(layout)].join(' '),
      },
    });

    await waitFor('nginx', async () => (await request('http', httpPort, '/', { headers: { Host: DOMAIN } })).status === 301);

    certbotDirs = [
      '--config-dir', leDir,
      '--work-dir', mkdirp(work, 'certbot-work'),
      '--logs-dir', mkdirp(work, 'certbot-logs'),
    ];
    certbotEnv = { ...process.env, REQUESTS_CA_BUNDLE: caBundle };
  });

  after(async () => {
    await procs.stop();
    process.removeListener('exit', onExit);
    for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
  });

  const server = () => `https://127.0.0.1:${acmePort}/dir`;

  it('obtains a certificate with deploy/compose/certbot.sh (webroot through nginx)', () => {
    const r = run('sh', [path.join(ROOT, 'deploy', 'compose', 'certbot.sh'), 'once'], {
      env: {
        ...certbotEnv,
        DOMAIN,
        CERTBOT_EMAIL: 'ops@bookstore.test',
        CERTBOT_SERVER: server(),
        CERTBOT_WEBROOT: layout.acmeRoot,
        CERTBOT_PROBE_URL: `http://127.0.0.1:${httpPort}`,
        CERTBOT_EXTRA_ARGS: certbotDirs.join(' '),
      },
      timeout: 120_000,
    });
    assert.equal(r.status, 0, `certbot failed:\n${r.stdout}\n${r.stderr}\n${procs.dump()}`);
    const live = path.join(leDir, 'live', DOMAIN);
    const cert = new X509Certificate(fs.readFileSync(path.join(live, 'cert.pem')));
    assert.match(cert.subjectAltName ?? '', new RegExp(`DNS:${DOMAIN.replace(/\./g, '\\.')}`));
    assert.match(cert.issuer, /Pebble/i);
    // pebble fetched the token from nginx on the HTTP port (logged with its request id)
    const access = fs.readFileSync(layout.accessLog, 'utf8');
    assert.match(access, /"GET \/\.well-known\/acme-challenge\/[\w-]+ HTTP\/1\.1" 200 .*rid=[0-9a-f]{32}/);
  });

  const nginxPid = () => fs.readFileSync(path.join(layout.prefix, 'nginx.pid'), 'utf8').trim();
  const served = (file: string) =>
    waitFor(`nginx to serve ${file}`, async () => {
      const want = new X509Certificate(fs.readFileSync(file)).fingerprint256;
      const c = await peerCertificate(httpsPort, DOMAIN);
      return c.fingerprint256 === want ? c : undefined;
    }, 20_000);

  it('nginx switches from the self-signed stand-in to the new certificate by itself (graceful reload)', async () => {
    const pid = nginxPid();
    const c = await served(path.join(leDir, 'live', DOMAIN, 'cert.pem'));
    assert.match(String(c.issuer.CN), /Pebble/i);
    assert.equal(nginxPid(), pid, 'reloaded, not restarted');
    await waitFor('the watcher to log the reload', () => Promise.resolve(procs.output('tls-watch').includes('nginx reloaded')), 5_000);

    // The chain nginx sends validates against pebble's root, for the domain name.
    const root = await request('https', pebbleMgmtPort, '/roots/0', { ca: fs.readFileSync(caBundle) });
    assert.equal(root.status, 200);
    const res = await request('https', httpsPort, '/.well-known/acme-challenge/missing', {
      ca: root.body, servername: DOMAIN, headers: { Host: DOMAIN },
    });
    assert.ok(res.peerCert, 'TLS handshake verified against the pebble root');
    assert.equal(res.headers['strict-transport-security'], 'max-age=63072000');
  });

  it('certbot renew --dry-run succeeds against pebble', () => {
    const r = run(tools.bin('certbot'), [
      'renew', '--dry-run', '--non-interactive', '--no-random-sleep-on-renew',
      '--server', server(), ...certbotDirs,
    ], { env: certbotEnv, timeout: 120_000 });
    assert.equal(r.status, 0, `renew --dry-run failed:\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout + r.stderr, /all simulated renewals succeeded/i);
    // the dry run validated again through nginx (pebble is run without authz reuse)
    const hits = fs.readFileSync(layout.accessLog, 'utf8').match(/GET \/\.well-known\/acme-challenge\/[\w-]+ HTTP\/1\.1" 200/g) ?? [];
    assert.ok(hits.length >= 2, `expected a second http-01 validation, saw ${hits.length}`);
  });

  it('a renewed certificate is picked up by nginx without a restart', async () => {
    const live = path.join(leDir, 'live', DOMAIN, 'cert.pem');
    const old = new X509Certificate(fs.readFileSync(live)).fingerprint256;
    const pid = nginxPid();
    const r = run(tools.bin('certbot'), [
      'renew', '--force-renewal', '--non-interactive', '--no-random-sleep-on-renew',
      '--server', server(), ...certbotDirs,
    ], { env: certbotEnv, timeout: 120_000 });
    assert.equal(r.status, 0, `renew failed:\n${r.stdout}\n${r.stderr}`);
    assert.notEqual(new X509Certificate(fs.readFileSync(live)).fingerprint256, old, 'a new certificate was issued');
    await served(live);
    assert.equal(nginxPid(), pid, 'reloaded, not restarted');
  });
});
