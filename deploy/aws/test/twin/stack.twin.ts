// The EC2 twin of the whole stack (issue 24, item 8): `cdk synth` with the release tarball CI builds
// (scripts/release-tarball.sh), then every instance's user data and the app launch template's, with
// CloudFormation's functions resolved to local values, booted by cloud-init in Debian 12 containers
// running systemd (twin/Dockerfile) at the VPC's addresses: db-primary, db-replica, both HAProxy
// instances, then the Auto Scaling Group's two app instances (more in the rollout). In front, the
// ALB configured from the template. Through it: the scale-out journeys, then the drills (drills/):
// the primary killed under a checkout load and the runbook, an instance taken out and a release
// rolled out under load, a backup restored, zone a lost. One topology for the whole file.
//
// Stand-ins, each at an AWS API or kernel boundary and nowhere else:
//   aws CLI   (twin/stand-ins/aws) ssm GetParameter/PutParameter, s3 GetObject/PutObject/List (the
//             release tarball and the host tools, copied from the cloud assembly as cdk-assets
//             uploads them), cloudformation SignalResource, ec2 DescribeInstances/StopInstances
//             (the test stops the container), cloudwatch PutMetricData
//   IMDSv2    169.254.169.254 in each instance (token, instance-id); AWS's agent packages (SSM agent,
//             CloudWatch agent) as stand-in .debs over HTTPS (twin/stand-ins/aws-endpoints.py)
//   EFS       mount.nfs4 (twin/stand-ins/mount.nfs4; this kernel has no NFS client) bind-mounts one
//             folder the app instances share, for app.sh's fstab line `FS.efs.REGION.amazonaws.com:/`
//   ALB, NLB  one HAProxy container (elb.ts, twin/elb/Dockerfile) configured from the template's
//             listeners and target groups: TLS (self-signed, not ACM), 80 → 443, /ping checks,
//             deregistration delay, X-Forwarded-*, no retries; the internal NLB over both HAProxy
//   ASG       this file launches instances from the launch template and takes them out (deregister,
//             wait the delay, stop), as the group and its rolling update do
//
//   npm run test:aws-twin     (at the root, after scripts/release-tarball.sh; 5 to 10 minutes)
//   AWSTWIN_KEEP=1 keeps the containers and the folder; BOOKSTORE_RELEASE names another tarball.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { backupAndRestore } from './drills/backup.ts';
import { primaryLost } from './drills/failover.ts';
import { firstAdmin, oneShopOnBothInstances, tlsAndForwardedHeaders } from './drills/journeys.ts';
import { rollingUpdate } from './drills/rollout.ts';
import { zoneALost } from './drills/zone.ts';
import { checkApps, checkDatabaseTier, checkHaproxies } from './instances.ts';
import { deployStack, exec, type Stack } from './topology.ts';
import { cleanup, type Instance } from './twin.ts';

const releaseTarball = process.env.BOOKSTORE_RELEASE ?? new URL('../../release/bookstore.tar.gz', import.meta.url).pathname;
let stack: Stack;
const summary: string[] = [];
const record = (title: string, counts: unknown) => summary.push(`${title}: ${JSON.stringify(counts)}`);

before(async () => {
  assert.ok(existsSync(releaseTarball), `no release tarball at ${releaseTarball}: run scripts/release-tarball.sh first`);
  const started = Date.now();
  stack = await deployStack(releaseTarball);
  summary.push(`stack deployed in ${Math.round((Date.now() - started) / 1000)} s`);
});

after(async () => {
  stack?.stop();
  console.log(`\n==== EC2 twin summary ====\n${summary.join('\n')}\n==========================`);
  if (!stack) return;
  if (process.env.AWSTWIN_KEEP === '1') console.log(`kept ${stack.dir} and the awstwin-* containers (AWSTWIN_KEEP=1)`);
  else await cleanup([...stack.instances.map((i) => i.container), 'awstwin-elb'], stack.dir);
});

/** "container (name, ip): cloud-init STATUS, signal SIGNAL", read on the instance and from the signals. */
async function bootLine(i: Instance) {
  const status = await exec(i.container, 'cloud-init', 'status', '--long').catch((e: { stdout?: string }) => e.stdout ?? 'unknown');
  const signal = stack.signals().find((s) => s.startsWith(`${i.logicalId} i-${i.container} `))?.split(' ')[2] ?? 'no signal';
  return `${i.container} (${i.name}, ${i.ip}): cloud-init ${/status: (\S+)/.exec(status)?.[1]}, signal ${signal}`;
}

test('every instance booted its user data with cloud-init and signalled SUCCESS to CloudFormation', async () => {
  const report = await Promise.all(stack.instances.map(async (i) => ({ i, line: await bootLine(i) })));
  summary.push('instances booted:', ...report.map((r) => `  ${r.line}`));
  for (const { i, line } of report) {
    if (!line.endsWith('cloud-init done, signal SUCCESS')) {
      const log = await exec(i.container, 'tail', '-n', '40', '/var/log/cloud-init-output.log').catch(() => '');
      assert.fail(`${line}\n${log}`);
    }
  }
});

test('MariaDB runs the config file we ship (read from the live servers); GTID semi-sync replication; the metrics timer publishes', () => checkDatabaseTier(stack));

test('each HAProxy runs the rendered template as the haproxy user, the primary as writer and the replica as backup', () => checkHaproxies(stack));

test('the app instances run the release tarball under systemd as the bookstore user, uploads on the EFS mount, secrets only in app.env', () => checkApps(stack));

test('the ALB: plain HTTP redirected to HTTPS, the forwarded protocol trusted (a Secure session cookie)', () => tlsAndForwardedHeaders(stack));

test('journeys: a shopper logged in on both instances, a cover uploaded through one served by the other, a purchase on one listed by the other', async () => {
  record('journeys', await oneShopOnBothInstances(stack));
});

test('the first admin, made with the documented command on an app instance', () => firstAdmin(stack));

test('failover: primary killed under a checkout load, 503 until `bookstore-failover promote`, then 302; confirmed purchases kept; the old primary takes no write', async () => {
  record('failover (primary killed)', await primaryLost(stack));
});

test('an instance taken out as the ASG does, and a release rolled out one instance at a time, under a mixed load: 0 failed requests', async () => {
  const r = await rollingUpdate(stack, releaseTarball);
  summary.push('instances booted by the rollout:', ...(await Promise.all(r.launched.map(bootLine))).map((l) => `  ${l}`));
  record('scale-in (app-a1 deregistered, delay, stopped)', r.scaleIn);
  record('rollout (app-a1, app-b1 replaced by the new release)', r.rollout);
});

test('backup and restore as documented: the database holds the backup\u2019s state', async () => {
  record('backup and restore', await backupAndRestore(stack));
});

test('zone a lost (its HAProxy, the old primary, its app instance): reads, and a checkout, answer through zone b', async () => {
  record('zone a lost', await zoneALost(stack));
});
