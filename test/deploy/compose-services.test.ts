// docker-compose.services.yml, resolved by Debian's docker-compose (v1) `config`: the services
// believe X-Forwarded-For from exactly one sender, the gateway container (nginx generated from the Ingress), at its fixed address on
// a network with a fixed subnet (not `uniquelocal`: any container there could then name any client).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { loadConfig } from '../../src/config.js';
import { ROOT, assertTools, findTools, run, tempDir } from './lib.js';

const tools = findTools(['docker-compose', 'python3']);

interface Service {
  environment?: Record<string, string>;
  networks?: Record<string, { ipv4_address?: string } | null>;
}
interface Compose {
  services: Record<string, Service>;
  networks?: Record<string, { ipam?: { config?: { subnet?: string; ip_range?: string }[] } }>;
}

const SETTINGS = {
  SESSION_SECRET: 's'.repeat(48),
  DB_ROOT_PASSWORD: 'root-password',
  JWT_PUBLIC_KEY: 'public',
  JWT_PRIVATE_KEY: 'private',
  TRUSTED_BY_AUTH: '{}',
  TRUSTED_BY_CATALOG: '{}',
  CATALOG_SERVICE_KEY: 'catalog',
  ORDER_SERVICE_KEY: 'order',
};

function resolved(dir: string): Compose {
  fs.copyFileSync(path.join(ROOT, 'docker-compose.services.yml'), path.join(dir, 'docker-compose.services.yml'));
  const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, LANG: 'C.UTF-8', ...SETTINGS };
  const r = run(tools.bin('docker-compose'), ['--project-directory', dir, '-f', path.join(dir, 'docker-compose.services.yml'), 'config'], { env, cwd: dir });
  assert.equal(r.status, 0, `docker-compose config failed:\n${r.stderr}`);
  fs.writeFileSync(path.join(dir, 'resolved.yml'), r.stdout);
  const p = run(tools.bin('python3'), ['-c', `import json, yaml; print(json.dumps(yaml.safe_load(open(${JSON.stringify(path.join(dir, 'resolved.yml'))}))))`], { env });
  assert.equal(p.status, 0, p.stderr);
  return JSON.parse(p.stdout) as Compose;
}

/** The IPv4 address as a number, and whether it lies in a CIDR block. */
const ipv4 = (a: string) => a.split('.').reduce((n, part) => n * 256 + Number(part), 0);
const inBlock = (address: string, cidr: string) => {
  const [base = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipv4(address) / size) === Math.floor(ipv4(base) / size);
};

describe('docker-compose.services.yml', { skip: tools.skip, timeout: 60_000 }, () => {
  const dir = tempDir('compose-services');
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('the services trust exactly the gateway container, at its fixed address in a fixed subnet', () => {
    assertTools(tools);
    const c = resolved(dir);
    const ingress = c.services.gateway?.networks?.default?.ipv4_address;
    assert.ok(ingress, 'the gateway has a fixed address on the default network');
    const pool = c.networks?.default?.ipam?.config?.[0];
    assert.ok(pool?.subnet && pool.ip_range, 'the network has a fixed subnet, and a range for the other containers');
    assert.ok(inBlock(ingress, pool.subnet), `${ingress} is in ${pool.subnet}`);
    assert.ok(!inBlock(ingress, pool.ip_range), `${ingress} is outside ${pool.ip_range}, so no other container is given it`);
    for (const name of ['auth', 'catalog', 'order']) {
      const env = c.services[name]?.environment ?? {};
      assert.equal(env.TRUST_PROXY, ingress, `${name} trusts the gateway alone`);
      assert.deepEqual(loadConfig({ TRUST_PROXY: env.TRUST_PROXY }).trustProxy, [ingress]);
      assert.equal(env.HOST, undefined, `${name} listens on every interface of its container`);
    }
  });
});
