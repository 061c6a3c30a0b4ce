// The EC2 twin of the database tier (issue 24, item 8, in part): the synthesised user data of
// db-primary, db-replica and both HAProxy instances, booted by cloud-init in Debian 12 containers
// with systemd (twin/Dockerfile) at the VPC's addresses, then drilled: the failover runbook after the
// primary is killed, the old primary started again, the loss of zone a.
//
// Stand-ins, each at an AWS API boundary and nowhere else (twin/stand-ins/):
//   aws CLI  ssm GetParameter/PutParameter, s3 GetObject/PutObject (the host tools asset, zipped from
//            the cloud assembly as cdk-assets would upload it), cloudformation SignalResource,
//            ec2 DescribeInstances/StopInstances (this test stops the container), cloudwatch PutMetricData
//   IMDSv2   169.254.169.254 inside each instance (token, instance-id)
//   AWS's agent packages (SSM agent, CloudWatch agent): stand-in .debs over HTTPS
// Not booted: the app instances (EFS cannot be mounted in a container) and the NLB (the drills go to
// each HAProxy directly, as the NLB would).
//
//   cd deploy/aws && npm run test:twin     (or npm run test:aws-twin at the root; about 4 minutes)
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { boot, buildImage, cleanup, createNetwork, docker, exec, type Instance, publishAsset, resolver, synth, tempDir } from './twin.ts';

const dir = tempDir();
const twin = join(dir, 'twin');
const secrets = { app: 'twin-app-password-0123456789abcdef', repl: 'twin-replication-password-0123456789' };
let instances: Instance[] = [];
const byName = (container: string) => instances.find((i) => i.container === container)!;
const BOOT_TIMEOUT_MS = 15 * 60_000;

// The VPC's private subnets are 10.0.2.0/24 (zone a) and 10.0.3.0/24 (zone b).
const placement: Record<string, { container: string; ip: string }> = {
  DbPrimary: { container: 'awstwin-db-primary', ip: '10.0.2.10' },
  HaproxyA: { container: 'awstwin-haproxy-a', ip: '10.0.2.20' },
  DbReplica: { container: 'awstwin-db-replica', ip: '10.0.3.10' },
  HaproxyB: { container: 'awstwin-haproxy-b', ip: '10.0.3.20' },
};

const sql = async (container: string, statement: string) => (await exec(container, 'mariadb', '--batch', '--skip-column-names', '-e', statement)).trim();
/** As the app connects: the bookstore user through one HAProxy (from the replica's host, which has a client). */
const viaHaproxy = (haproxy: string, statement: string, from = 'awstwin-db-replica') =>
  exec(from, 'mariadb', '--batch', '--skip-column-names', '-h', byName(haproxy).ip, '-u', 'bookstore', `-p${secrets.app}`, 'bookstore', '-e', statement).then(
    (out) => ({ ok: true as const, out: out.trim() }),
    (err: { stderr?: string }) => ({ ok: false as const, out: String(err.stderr ?? err) }),
  );
const signals = () => (existsSync(join(twin, 'signals.log')) ? readFileSync(join(twin, 'signals.log'), 'utf8').trim().split('\n').filter(Boolean) : []);

/** What EC2 does for stop-instances: the test stops the container and marks it stopped. */
let stopper: NodeJS.Timeout | undefined;
function serveStopRequests() {
  const handled = new Set<string>();
  stopper = setInterval(() => {
    const file = join(twin, 'ec2', 'stop-requests');
    if (!existsSync(file)) return;
    for (const id of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      if (handled.has(id)) continue;
      handled.add(id);
      const container = id.replace(/^i-/, '');
      docker('stop', '-t', '5', container)
        .catch(() => undefined)
        .then(() => writeFileSync(join(twin, 'ec2', 'stopped', id), ''));
    }
  }, 500);
}

before(async () => {
  const { template, assemblyDir } = synth(dir);
  const ids = Object.fromEntries(Object.keys(placement).map((prefix) => [Object.keys(template.Resources).find((id) => id.startsWith(prefix) && template.Resources[id]!.Type === 'AWS::EC2::Instance')!, prefix]));
  const ips = Object.fromEntries(Object.entries(ids).map(([id, prefix]) => [id, placement[prefix]!.ip]));
  const resolve = resolver(template, ips);
  instances = Object.entries(ids).map(([logicalId, prefix]) => {
    const r = template.Resources[logicalId]!;
    const name = (r.Properties.Tags as { Key: string; Value: string }[]).find((t) => t.Key === 'Name')!.Value;
    return { logicalId, name, ...placement[prefix]!, userData: resolve(r.Properties.UserData['Fn::Base64']) };
  });
  // The stand-ins' state: the parameters an operator puts before deploying, those the stack creates,
  // the host tools in S3, and EC2's view of the instances.
  for (const [name, value] of [
    ['bookstore/app/db-password', secrets.app],
    ['bookstore/db/replication-password', secrets.repl],
    ['bookstore/topology/writer', 'db-primary'],
    ['bookstore/topology/standby', 'db-replica'],
  ]) {
    mkdirSync(join(twin, 'ssm', name, '..'), { recursive: true });
    writeFileSync(join(twin, 'ssm', name), value!);
  }
  const toolsUrl = /TOOLS_URL='([^']+)'/.exec(instances[0]!.userData)![1]!;
  publishAsset(assemblyDir, toolsUrl, join(twin, 's3'));
  mkdirSync(join(twin, 'ec2', 'stopped'), { recursive: true });
  writeFileSync(join(twin, 'ec2', 'instances'), instances.map((i) => `${i.name} ${i.ip} i-${i.container}`).join('\n') + '\n');
  appendFileSync(join(twin, 'calls.log'), '');

  await buildImage();
  await createNetwork();
  await Promise.all(instances.map((i) => boot(i, dir, twin)));
  serveStopRequests();
  const deadline = Date.now() + BOOT_TIMEOUT_MS;
  const signalled = () => instances.every((i) => signals().some((s) => s.startsWith(`${i.logicalId} `)));
  while (!signalled() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 3000));
});

after(async () => {
  if (stopper) clearInterval(stopper);
  if (process.env.AWSTWIN_KEEP !== '1') await cleanup(instances.map((i) => i.container), dir);
  else console.log(`kept ${dir} and the awstwin-* containers (AWSTWIN_KEEP=1)`);
});

test('every instance booted its user data with cloud-init and signalled SUCCESS to CloudFormation', async () => {
  const report: string[] = [];
  for (const i of instances) {
    const status = await exec(i.container, 'cloud-init', 'status', '--long').catch((e: { stdout?: string }) => e.stdout ?? 'unknown');
    report.push(`${i.container} (${i.ip}): ${/status: (\S+)/.exec(status)?.[1]}`);
  }
  console.log(`booted:\n  ${report.join('\n  ')}\nsignals:\n  ${signals().join('\n  ')}`);
  for (const i of instances) {
    const mine = signals().filter((s) => s.startsWith(`${i.logicalId} i-${i.container} `));
    if (!mine.some((s) => s.endsWith('SUCCESS'))) {
      const log = await exec(i.container, 'tail', '-n', '40', '/var/log/cloud-init-output.log').catch(() => '');
      assert.fail(`${i.container} did not signal SUCCESS (${mine.join(', ') || 'no signal'}):\n${log}`);
    }
  }
  assert.ok(report.every((r) => r.endsWith(': done')), report.join('\n'));
});

test('MariaDB runs the config file we ship: bind-address, server id, read_only read from the live servers; GTID semi-sync replication', async () => {
  assert.equal(await sql('awstwin-db-primary', 'SELECT CONCAT_WS(" ", @@bind_address, @@server_id, @@read_only, @@gtid_strict_mode, @@rpl_semi_sync_master_wait_point)'), '0.0.0.0 1 OFF ON AFTER_SYNC');
  assert.equal(await sql('awstwin-db-replica', 'SELECT CONCAT_WS(" ", @@bind_address, @@server_id, @@read_only, @@gtid_strict_mode)'), '0.0.0.0 2 ON ON');
  assert.equal(await sql('awstwin-db-primary', "SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'Rpl_semi_sync_master_status'"), 'ON');
  const status = await exec('awstwin-db-replica', 'mariadb', '-e', 'SHOW SLAVE STATUS\\G');
  assert.match(status, /Slave_IO_Running: Yes/);
  assert.match(status, /Slave_SQL_Running: Yes/);
  assert.match(status, /Using_Gtid: Slave_Pos/);
});

test('each HAProxy runs the rendered template as the haproxy user, the primary as writer and the replica as backup; writes go to the primary through either', async () => {
  for (const h of ['awstwin-haproxy-a', 'awstwin-haproxy-b']) {
    const cfg = await exec(h, 'cat', '/etc/haproxy/haproxy.cfg');
    assert.match(cfg, /server db-primary 10\.0\.2\.10:3306 check [^\n]*rise 3 \n/);
    assert.match(cfg, /server db-replica 10\.0\.3\.10:3306 check [^\n]* backup\n/);
    assert.match(cfg, /on-marked-down shutdown-sessions on-marked-up shutdown-backup-sessions/);
    assert.equal((await exec(h, 'ps', '-o', 'user=', '-C', 'haproxy')).trim().split('\n')[0], 'haproxy');
  }
  const created = await viaHaproxy('awstwin-haproxy-a', 'CREATE TABLE IF NOT EXISTS drill (id INT PRIMARY KEY, via VARCHAR(20)); INSERT INTO drill VALUES (1, "haproxy-a"); SELECT @@server_id');
  assert.deepEqual(created, { ok: true, out: '1' });
  assert.deepEqual(await viaHaproxy('awstwin-haproxy-b', 'INSERT INTO drill VALUES (2, "haproxy-b"); SELECT @@server_id'), { ok: true, out: '1' });
  assert.equal(await sql('awstwin-db-replica', 'SELECT COUNT(*) FROM bookstore.drill'), '2', 'replicated');
});

const releaseTarball = process.env.BOOKSTORE_RELEASE ?? new URL('../../release/bookstore.tar.gz', import.meta.url).pathname;
test('the release tarball runs under bookstore-app.service as the bookstore user, migrates the twin database through HAProxy and answers /healthz', { skip: existsSync(releaseTarball) ? false : `no release tarball at ${releaseTarball} (scripts/release-tarball.sh)` }, async () => {
  // An app instance's boot cannot run here (EFS cannot be mounted in a container): its release steps
  // (deploy/aws/boot/app.sh) are run by hand on the CI-built tarball and the unit we ship.
  const app = 'awstwin-app';
  instances.push({ logicalId: 'AppCheck', name: 'app', container: app, ip: '10.0.2.30', userData: '#!/bin/sh\ntrue\n' });
  await boot(byName(app), dir, twin);
  await docker('cp', releaseTarball, `${app}:/opt/release.tar.gz`);
  await docker('cp', new URL('../../host/systemd/bookstore-app.service', import.meta.url).pathname, `${app}:/etc/systemd/system/bookstore-app.service`);
  const steps = `set -euo pipefail
useradd --system --home-dir /nonexistent --shell /usr/sbin/nologin bookstore
mkdir -p /srv/bookstore/uploads /etc/bookstore /var/log/bookstore /opt/bookstore/releases/twin
chown bookstore:bookstore /srv/bookstore/uploads
tar -xzf /opt/release.tar.gz -C /opt/bookstore/releases/twin --no-same-owner
ln -sfn /opt/bookstore/releases/twin /opt/bookstore/current
umask 027
printf 'DATABASE_URL=mysql://bookstore:${secrets.app}@${byName('awstwin-haproxy-a').ip}:3306/bookstore\nSESSION_SECRET=%s\nJWT_SECRET=%s\nTRUST_PROXY=10.0.0.0/16\nINSTANCE_NAME=i-awstwin-app\n' "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" "$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')" >/etc/bookstore/app.env
chown root:bookstore /etc/bookstore/app.env
systemctl daemon-reload
systemctl start bookstore-app.service
for _ in $(seq 1 60); do curl -sf http://127.0.0.1:3000/healthz && exit 0; sleep 1; done
exit 1`;
  for (let i = 0; i < 30 && !(await exec(app, 'systemctl', 'is-system-running').catch((e: { stdout?: string }) => e.stdout ?? '')).match(/running|degraded/); i++) await new Promise((r) => setTimeout(r, 1000));
  const healthz = await exec(app, 'bash', '-c', steps).catch(async (e: { stdout?: string; stderr?: string }) => `${e.stdout}${e.stderr}\n${await exec(app, 'journalctl', '-u', 'bookstore-app', '--no-pager').catch(() => '')}`);
  // /healthz reports more than the database (mail, backlog): the twin asserts the database part.
  assert.match(healthz, /^\{"db":"ok"[,}]/, healthz);
  assert.equal((await exec(app, 'systemctl', 'show', '-p', 'User', '--value', 'bookstore-app')).trim(), 'bookstore');
  assert.match(await sql('awstwin-db-primary', "SELECT COUNT(*) > 0 FROM information_schema.TABLES WHERE TABLE_SCHEMA = 'bookstore' AND TABLE_NAME = 'books'"), /^1$/);
  await exec(app, 'systemctl', 'stop', 'bookstore-app.service');
});

test('the metrics timer publishes semi-sync from the writer and replication from the replica', async () => {
  await exec('awstwin-db-primary', 'systemctl', 'start', 'bookstore-db-metrics.service');
  await exec('awstwin-db-replica', 'systemctl', 'start', 'bookstore-db-metrics.service');
  const metrics = readFileSync(join(twin, 'metrics.log'), 'utf8');
  assert.match(metrics, /awstwin-db-primary BookStore\/Database .*MetricName=SemiSyncPrimaryOn,Value=1/);
  assert.match(metrics, /awstwin-db-replica BookStore\/Database .*MetricName=ReplicationRunning,Value=1/);
});

test('failover: the primary killed, writes refused until `bookstore-failover promote` as documented, then they work; confirmed rows kept; the old primary, started again, takes no write', async () => {
  for (let id = 3; id <= 12; id++) assert.equal((await viaHaproxy('awstwin-haproxy-a', `INSERT INTO drill VALUES (${id}, "before")`)).ok, true);
  await docker('kill', 'awstwin-db-primary');
  // HAProxy marks it down and sends connections to the read-only backup: writes refused, reads answer.
  let refused: { ok: boolean; out: string } = { ok: true, out: '' };
  for (let i = 0; i < 20; i++) {
    refused = await viaHaproxy('awstwin-haproxy-b', 'INSERT INTO drill VALUES (100, "during")');
    if (!refused.ok && /read-only/.test(refused.out)) break;
    await new Promise((r) => setTimeout(r, 1000));
  }
  assert.match(refused.out, /read-only/);
  assert.deepEqual(await viaHaproxy('awstwin-haproxy-b', 'SELECT COUNT(*) FROM drill'), { ok: true, out: '12' });

  const promoted = await exec('awstwin-db-replica', 'bookstore-failover', 'promote');
  assert.match(promoted, /promoted db-replica/);
  assert.deepEqual(await viaHaproxy('awstwin-haproxy-a', 'INSERT INTO drill VALUES (101, "after-a"); SELECT @@server_id'), { ok: true, out: '2' });
  assert.deepEqual(await viaHaproxy('awstwin-haproxy-b', 'INSERT INTO drill VALUES (102, "after-b"); SELECT @@server_id'), { ok: true, out: '2' });
  assert.equal(await sql('awstwin-db-replica', 'SELECT COUNT(*) FROM bookstore.drill WHERE id <= 12'), '12', 'every confirmed row is on the promoted server');
  assert.equal(readFileSync(join(twin, 'ssm', 'bookstore', 'topology', 'writer'), 'utf8').trim(), 'db-replica');

  // The old primary comes back (EC2 start): systemd starts MariaDB read-only, nothing routes to it.
  await docker('start', 'awstwin-db-primary');
  let readOnly = '';
  for (let i = 0; i < 60 && readOnly !== '1'; i++) {
    readOnly = await sql('awstwin-db-primary', 'SELECT @@read_only').catch(() => '');
    if (readOnly !== '1') await new Promise((r) => setTimeout(r, 2000));
  }
  assert.equal(readOnly, '1', 'the fenced old primary starts read-only');
  await exec('awstwin-haproxy-a', 'systemctl', 'reload', 'haproxy');
  assert.match(await exec('awstwin-haproxy-a', 'cat', '/etc/haproxy/haproxy.cfg'), /server db-primary 10\.0\.2\.10:3306 [^\n]* disabled\n/);
  await new Promise((r) => setTimeout(r, 4000)); // longer than HAProxy's rise 3 × inter 1s
  assert.deepEqual(await viaHaproxy('awstwin-haproxy-a', 'INSERT INTO drill VALUES (103, "returned"); SELECT @@server_id'), { ok: true, out: '2' });
  assert.deepEqual(await viaHaproxy('awstwin-haproxy-b', 'INSERT INTO drill VALUES (104, "returned"); SELECT @@server_id'), { ok: true, out: '2' });
  assert.equal(await sql('awstwin-db-primary', 'SELECT COUNT(*) FROM bookstore.drill WHERE id > 100'), '0', 'the old primary took no write');
});

test('backup and restore as documented: the nightly dump of the writer to S3, data added, the restore steps: the database holds the backup\'s state', async () => {
  const writer = 'awstwin-db-replica'; // promoted above
  await exec(writer, 'systemctl', 'start', 'bookstore-backup.service');
  const backedUp = await sql(writer, 'SELECT COUNT(*) FROM bookstore.drill');
  assert.deepEqual(await viaHaproxy('awstwin-haproxy-b', 'INSERT INTO drill VALUES (200, "after-backup"); DELETE FROM drill WHERE id = 1'), { ok: true, out: '' });
  // docs/scale-out.md, "Restore", with the newest dump.
  const restore = `set -euo pipefail
. /etc/bookstore/bookstore.env
key="$(aws s3 ls "s3://$BACKUP_BUCKET/dumps/" | awk '{ print $NF }' | sort | tail -n1)"
aws s3 cp "s3://$BACKUP_BUCKET/dumps/$key" /root/restore.sql.gz
mariadb -e 'SET GLOBAL read_only = ON'
gunzip -c /root/restore.sql.gz | mariadb --one-database bookstore
mariadb -e 'SET GLOBAL read_only = OFF'`;
  await exec(writer, 'bash', '-c', restore);
  assert.equal(await sql(writer, 'SELECT COUNT(*) FROM bookstore.drill'), backedUp);
  assert.equal(await sql(writer, 'SELECT GROUP_CONCAT(id) FROM bookstore.drill WHERE id IN (1, 200)'), '1');
});

test('losing zone a (its HAProxy and the old primary): zone b still answers reads and writes', async () => {
  await docker('kill', 'awstwin-haproxy-a', 'awstwin-db-primary');
  assert.deepEqual(await viaHaproxy('awstwin-haproxy-b', 'SELECT COUNT(*) > 12 FROM drill'), { ok: true, out: '1' });
  assert.deepEqual(await viaHaproxy('awstwin-haproxy-b', 'INSERT INTO drill VALUES (105, "zone-b"); SELECT @@server_id'), { ok: true, out: '2' });
});
