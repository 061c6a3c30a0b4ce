/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- rendered YAML is untyped data; the assertions are the types */
// The local overlay's MariaDB creates the users the documented database URLs name: its init script
// (the ConfigMap, sourced as the image's entrypoint sources it) runs against a MariaDB 10.11 of this
// test's own, with the environment the StatefulSet gives it. Then each service migrates its own
// database with its own user and is refused every other database (catalog and order reach auth's
// sessions through auth's API, not its database).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import mysql from 'mysql2/promise';
import { migrate } from '../../src/db/migrate.js';
import { startPrivateMariadb, type PrivateMariadb } from '../helpers/private-mariadb.js';
import { containerEnv, documentedSecrets, named, render } from './render.js';

const objs = [...render('local'), ...documentedSecrets()];
const db = named(objs, 'StatefulSet', 'mariadb');
const env = containerEnv(db!.spec.template.spec.containers[0], objs);
const script = named(objs, 'ConfigMap', 'mariadb-init')!.data!['10-service-users.sh']!;

describe('k8s/overlays/local: MariaDB users and grants', () => {
  let server: PrivateMariadb;
  /** A documented URL, pointed at this test's server. */
  const local = (url: string) => url.replace(/@mysql:3306\//, `@127.0.0.1:${server.port}/`);
  const refused = async (url: string, sql: string) => {
    const conn = await mysql.createConnection(local(url));
    try {
      await assert.rejects(conn.query(sql), /denied/);
    } finally {
      await conn.end();
    }
  };

  before(async () => {
    server = await startPrivateMariadb();
    // The entrypoint's docker_process_sql runs SQL as root on the server being initialised.
    const file = join(mkdtempSync(join(tmpdir(), 'mariadb-init-')), '10-service-users.sh');
    writeFileSync(file, script);
    const shim = `docker_process_sql() { mariadb --protocol=tcp -h 127.0.0.1 -P ${server.port} -u root; }`;
    execFileSync('bash', ['--norc', '--noprofile', '-euo', 'pipefail', '-c', `${shim}\n. "$0"`, file], { env: { PATH: process.env.PATH, ...env } });
  });
  after(async () => server?.stop());

  test('the image is MariaDB 10.11 with its own probes', () => {
    const c = db!.spec.template.spec.containers[0];
    assert.equal(c.image, 'mariadb:10.11');
    assert.ok(env.MARIADB_ROOT_PASSWORD);
    for (const probe of [c.startupProbe, c.readinessProbe, c.livenessProbe]) assert.equal(probe.exec.command[0], 'healthcheck.sh');
  });

  test('each service migrates its own database with its own user, and is refused the others', async () => {
    const urls = { accounts: env.AUTH_DATABASE_URL!, catalog: env.CATALOG_DATABASE_URL!, orders: env.ORDER_DATABASE_URL! };
    for (const [feature, url] of Object.entries(urls)) {
      const applied = await migrate(local(url), { features: [feature as keyof typeof urls] });
      assert.ok(applied.length > 0, `${feature} migrated`);
    }
    await refused(urls.catalog, 'SELECT * FROM bookstore_auth.users');
    await refused(urls.orders, 'SELECT * FROM bookstore_catalog.books');
    await refused(urls.accounts, 'SELECT * FROM bookstore_order.purchases');
    await refused(urls.orders, 'CREATE DATABASE bookstore_other');
    // `_` is not a wildcard in the grant: a look-alike database stays out of reach.
    await refused(urls.accounts, 'CREATE DATABASE bookstoreXauth');
  });
});
