// What the booted instances run, read on the live instances: MariaDB's configuration and replication,
// the metrics timer, each HAProxy's rendered template and user, and on the app instances the release
// under systemd as the unprivileged user, the uploads on the EFS mount, the secrets in app.env only.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { targetState } from './elb.ts';
import { exec, secrets, sql, type Stack } from './topology.ts';
import { FILE_SYSTEM_ID, REGION } from './twin.ts';

/** As the app connects: the bookstore user through one HAProxy (from the replica's host, which has a client). */
const viaHaproxy = (ip: string, statement: string) =>
  exec('awstwin-db-replica', 'mariadb', '--batch', '--skip-column-names', '-h', ip, '-u', 'bookstore', `-p${secrets.app}`, 'bookstore', '-e', statement).then(
    (out) => ({ ok: true as const, out: out.trim() }),
    (err: { stderr?: string }) => ({ ok: false as const, out: String(err.stderr ?? err) }),
  );

export async function checkDatabaseTier(stack: Stack) {
  assert.equal(await sql('awstwin-db-primary', 'SELECT CONCAT_WS(" ", @@bind_address, @@server_id, @@read_only, @@gtid_strict_mode, @@rpl_semi_sync_master_wait_point)'), '0.0.0.0 1 OFF ON AFTER_SYNC');
  assert.equal(await sql('awstwin-db-replica', 'SELECT CONCAT_WS(" ", @@bind_address, @@server_id, @@read_only, @@gtid_strict_mode)'), '0.0.0.0 2 ON ON');
  assert.equal(await sql('awstwin-db-primary', "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'Rpl_semi_sync_master_status'"), 'ON');
  const status = await exec('awstwin-db-replica', 'mariadb', '-e', 'SHOW SLAVE STATUS\\G');
  assert.match(status, /Slave_IO_Running: Yes/);
  assert.match(status, /Slave_SQL_Running: Yes/);
  assert.match(status, /Using_Gtid: Slave_Pos/);
  await exec('awstwin-db-primary', 'systemctl', 'start', 'bookstore-db-metrics.service');
  await exec('awstwin-db-replica', 'systemctl', 'start', 'bookstore-db-metrics.service');
  const metrics = readFileSync(join(stack.twin, 'metrics.log'), 'utf8');
  assert.match(metrics, /awstwin-db-primary BookStore\/Database .*MetricName=SemiSyncPrimaryOn,Value=1/);
  assert.match(metrics, /awstwin-db-replica BookStore\/Database .*MetricName=ReplicationRunning,Value=1/);
}

export async function checkHaproxies(stack: Stack) {
  for (const h of stack.instances.filter((i) => i.name === 'haproxy')) {
    const cfg = await exec(h.container, 'cat', '/etc/haproxy/haproxy.cfg');
    assert.match(cfg, /server db-primary 10\.0\.2\.10:3306 check [^\n]*rise 3 \n/);
    assert.match(cfg, /server db-replica 10\.0\.3\.10:3306 check [^\n]* backup\n/);
    assert.match(cfg, /on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions/);
    assert.equal((await exec(h.container, 'ps', '-o', 'user=', '-C', 'haproxy')).trim().split('\n')[0], 'haproxy');
    const probe = await viaHaproxy(h.ip, `CREATE TABLE IF NOT EXISTS twin_probe (via VARCHAR(40)); INSERT INTO twin_probe VALUES ("${h.container}"); SELECT @@server_id`);
    assert.deepEqual(probe, { ok: true, out: '1' }, `writes through ${h.container} go to the primary`);
    assert.ok((await targetState('nlb', h.container.replace('awstwin-', ''))).startsWith('UP'), `the NLB counts ${h.container} healthy`);
  }
  assert.equal(await sql('awstwin-db-replica', 'SELECT COUNT(*) FROM bookstore.twin_probe'), '2', 'replicated');
}

export async function checkApps(stack: Stack) {
  const apps = stack.instances.filter((i) => i.name === 'app');
  assert.equal(apps.length, 2, 'the group launched its minimum, two instances');
  for (const app of apps) {
    const c = app.container;
    assert.equal((await exec(c, 'systemctl', 'is-active', 'bookstore-app')).trim(), 'active');
    const pid = (await exec(c, 'systemctl', 'show', '-p', 'MainPID', '--value', 'bookstore-app')).trim();
    assert.equal((await exec(c, 'ps', '-o', 'user=', '-p', pid)).trim(), 'bookstore', `${c}: the app runs as bookstore`);
    assert.equal((await exec(c, 'ps', '-o', 'args=', '-p', pid)).trim(), '/opt/bookstore/current/bin/node dist/server.js', 'the release\u2019s own Node');
    assert.match(await exec(c, 'readlink', '/opt/bookstore/current'), /^\/opt\/bookstore\/releases\/[0-9a-f]{64}\n$/, 'one folder per release, named by its asset hash');
    assert.match(await exec(c, 'findmnt', '-n', '-o', 'SOURCE', '/srv/bookstore/uploads'), new RegExp(`efs/${FILE_SYSTEM_ID}\]`), `${c}: the uploads are on the EFS mount`);
    assert.equal((await exec(c, 'stat', '-c', '%a %U:%G', '/etc/bookstore/app.env')).trim(), '640 root:bookstore');
    assert.ok(!app.userData.includes(secrets.app), 'no secret in the user data');
    assert.match(await exec(c, 'curl', '-sf', 'http://127.0.0.1:3000/healthz'), /^\{"db":"ok"[,}]/);
    assert.ok((await targetState('app', c.replace('awstwin-', ''))).startsWith('UP'), `the ALB counts ${c} healthy`);
  }
  const mounts = readFileSync(join(stack.twin, 'efs-mounts.log'), 'utf8');
  for (const app of apps) assert.match(mounts, new RegExp(`^${app.container} ${FILE_SYSTEM_ID}\\.efs\\.${REGION}\\.amazonaws\\.com:/ /srv/bookstore/uploads`, 'm'));
  assert.match(await sql('awstwin-db-primary', "SELECT COUNT(*) > 0 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bookstore' AND TABLE_NAME = 'books'"), /^1$/, 'migrated');
}
