// The scale-out infrastructure, checked offline with aws-cdk-lib/assertions: each property the
// specification names, and that nothing else is open to the world.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { APP_PORT, BookStoreStack, DEREGISTRATION_DELAY_SECONDS, HAPROXY_RECORD, INTERNAL_ZONE } from '../lib/bookstore-stack.ts';

const template = Template.fromStack(new BookStoreStack(new App(), 'BookStore'));
const json = JSON.stringify(template.toJSON());
type Resource = { Properties: Record<string, unknown> };
const resources = (type: string) => Object.values(template.findResources(type)) as Resource[];
const userData = (r: Resource) => JSON.stringify((r.Properties.UserData ?? (r.Properties.LaunchTemplateData as Record<string, unknown>).UserData));

test('a VPC over two availability zones, public and private subnets', () => {
  template.resourceCountIs('AWS::EC2::VPC', 1);
  const subnets = resources('AWS::EC2::Subnet');
  assert.equal(subnets.length, 4);
  const zones = new Set(subnets.map((s) => JSON.stringify(s.Properties.AvailabilityZone)));
  assert.equal(zones.size, 2, 'two zones');
});

test('the ALB: internet-facing, 80 redirects to 443, 443 with the certificate parameter', () => {
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing', Type: 'application' });
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
    Port: 80,
    DefaultActions: [Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }) })],
  });
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: { Ref: 'CertificateArn' } }] });
  template.hasParameter('CertificateArn', { Type: 'String' });
});

test('the target group: the app port, health check GET /ping, deregistration delay above the app shutdown timeout', () => {
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    Port: APP_PORT,
    Protocol: 'HTTP',
    HealthCheckPath: '/ping',
    Matcher: { HttpCode: '200' },
    TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: String(DEREGISTRATION_DELAY_SECONDS) }]),
  });
  // SHUTDOWN_TIMEOUT_MS defaults to 9000: the balancer must wait at least that long.
  assert.ok(DEREGISTRATION_DELAY_SECONDS * 1000 > 9000);
});

test('the launch template requires IMDSv2 and its user data installs Docker with compose, mounts EFS (NFS 4.1) and reads SSM', () => {
  template.hasResourceProperties('AWS::EC2::LaunchTemplate', { LaunchTemplateData: Match.objectLike({ MetadataOptions: Match.objectLike({ HttpTokens: 'required' }) }) });
  // (Each instance with requireImdsv2 gets a launch template of its own too: the app's has the user data.)
  const lt = resources('AWS::EC2::LaunchTemplate').find((r) => (r.Properties.LaunchTemplateData as Record<string, unknown>).UserData);
  const script = userData(lt!);
  assert.equal(JSON.stringify((lt!.Properties.LaunchTemplateData as Record<string, unknown>).MetadataOptions).includes('"HttpTokens":"required"'), true);
  for (const needle of ['docker.io', 'docker-compose-v2', 'nfsvers=4.1', 'rsize=1048576', 'wsize=1048576', 'hard', 'timeo=600', 'retrans=2', 'noresvport', 'aws ssm get-parameter --with-decryption', 'compose.app.yml']) {
    assert.ok(script.includes(needle), `user data has ${needle}`);
  }
  assert.doesNotMatch(script, /SESSION_SECRET=[A-Za-z0-9]{16}/, 'no secret in the template');
});

test('the Auto Scaling Group: 2 to 5 instances, desired 2, ELB health checks, target tracking at 50 % CPU', () => {
  template.hasResourceProperties('AWS::AutoScaling::AutoScalingGroup', { MinSize: '2', MaxSize: '5', DesiredCapacity: '2', HealthCheckType: 'ELB' });
  template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingConfiguration: Match.objectLike({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' } }),
  });
});

test('EFS is encrypted with a mount target in each zone', () => {
  template.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true });
  template.resourceCountIs('AWS::EFS::MountTarget', 2);
});

test('three instances: db-primary, db-replica and haproxy, with their MySQL 8.4 and HAProxy configuration', () => {
  const instances = resources('AWS::EC2::Instance');
  assert.equal(instances.length, 3);
  const byName = new Map(instances.map((i) => [(i.Properties.Tags as { Key: string; Value: string }[]).find((t) => t.Key === 'Name')!.Value, i]));
  assert.deepEqual([...byName.keys()].sort(), ['db-primary', 'db-replica', 'haproxy']);
  for (const i of instances) assert.equal(i.Properties.KeyName, undefined, 'no SSH key');
  const primary = userData(byName.get('db-primary')!);
  const replica = userData(byName.get('db-replica')!);
  for (const script of [primary, replica]) {
    for (const needle of ['gtid_mode = ON', 'enforce_gtid_consistency = ON', 'log_bin', 'rpl_semi_sync_source_wait_point = AFTER_SYNC']) assert.ok(script.includes(needle), needle);
  }
  assert.ok(primary.includes('server_id = 1') && replica.includes('server_id = 2'), 'distinct server ids');
  assert.ok(primary.includes('rpl_semi_sync_source_enabled = ON'));
  assert.ok(replica.includes('rpl_semi_sync_replica_enabled = ON'));
  assert.ok(replica.includes('read_only = ON') && replica.includes('super_read_only = ON'));
  assert.ok(replica.includes('CHANGE REPLICATION SOURCE TO') && replica.includes('SOURCE_AUTO_POSITION=1'), 'MySQL 8.4 syntax');
  assert.ok(primary.includes("IDENTIFIED WITH mysql_native_password"), 'the check user HAProxy can log in as');
  const haproxy = userData(byName.get('haproxy')!);
  for (const needle of ['mode tcp', 'bind *:3306', 'option mysql-check user haproxy_check', 'server db-primary', 'backup']) assert.ok(haproxy.includes(needle), needle);
  assert.match(haproxy, /server db-replica .*backup/);
});

test('security groups: only the ALB is public; the app port only from the ALB; NFS only from the app; 3306 app → HAProxy → databases; no SSH', () => {
  const ingress: { from: number; cidr?: string; group?: string; in: string }[] = [];
  const groupId = (ref: unknown) => JSON.stringify(ref);
  for (const [id, sg] of Object.entries(template.findResources('AWS::EC2::SecurityGroup'))) {
    for (const rule of ((sg as Resource).Properties.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []) {
      ingress.push({ from: rule.FromPort as number, cidr: rule.CidrIp as string | undefined, group: rule.SourceSecurityGroupId ? groupId(rule.SourceSecurityGroupId) : undefined, in: id });
    }
  }
  for (const rule of resources('AWS::EC2::SecurityGroupIngress')) {
    const p = rule.Properties;
    ingress.push({ from: p.FromPort as number, cidr: p.CidrIp as string | undefined, group: groupId(p.SourceSecurityGroupId), in: JSON.stringify(p.GroupId) });
  }
  const publicRules = ingress.filter((r) => r.cidr === '0.0.0.0/0');
  assert.deepEqual(publicRules.map((r) => r.from).sort(), [443, 80]);
  assert.ok(publicRules.every((r) => r.in.startsWith('AlbSg')), 'only the ALB is open to the world');
  assert.ok(!ingress.some((r) => r.from === 22), 'no SSH from anywhere');
  const sgRef = (name: string) => Object.keys(template.findResources('AWS::EC2::SecurityGroup')).find((k) => k.startsWith(name))!;
  const from = (port: number, target: string) => ingress.filter((r) => r.from === port && r.in.includes(sgRef(target))).map((r) => r.group ?? r.cidr);
  assert.deepEqual(from(APP_PORT, 'AppSg').map((g) => g?.includes(sgRef('AlbSg'))), [true]);
  assert.ok(from(2049, 'EfsSg').length > 0 && from(2049, 'EfsSg').every((g) => g?.includes(sgRef('AppSg')) || g === groupId({ Ref: 'ClusterNodeSecurityGroupId' })));
  // The app instances, and the Kubernetes nodes when their group is given (stage 2, tested below).
  assert.deepEqual(from(3306, 'HaproxySg').map((g) => g?.includes(sgRef('AppSg')) || g === groupId({ Ref: 'ClusterNodeSecurityGroupId' })), [true, true]);
  assert.ok(from(3306, 'DbSg').every((g) => g?.includes(sgRef('HaproxySg')) || g?.includes(sgRef('DbSg'))));
  // Session Manager instead of SSH.
  assert.ok(json.includes('AmazonSSMManagedInstanceCore'));
});

test('parameters for the AMI, the certificate, the domain and the instance types', () => {
  for (const name of ['AmiId', 'CertificateArn', 'DomainName', 'AppInstanceType', 'DbInstanceType']) template.hasParameter(name, {});
  template.hasParameter('AmiId', { Type: 'AWS::EC2::Image::Id' });
});

test('the app-only compose file is valid and has no database, nginx or certbot', { skip: existsSync('/usr/bin/docker-compose') ? false : 'docker-compose (v1) is not installed' }, () => {
  const text = readFileSync(new URL('../compose.app.yml', import.meta.url), 'utf8');
  assert.doesNotMatch(text, /^\s+(db|nginx|certbot):/m);
  // The instance writes .env.app at boot; an empty one stands in for it here.
  const envFile = new URL('../.env.app', import.meta.url);
  const made = !existsSync(envFile);
  if (made) writeFileSync(envFile, '');
  try {
    const out = execFileSync('docker-compose', ['-f', 'compose.app.yml', 'config', '--services'], {
      cwd: new URL('..', import.meta.url),
      encoding: 'utf8',
      env: { ...process.env, COMPOSE_PROJECT_NAME: 'bookstore-aws-check' },
    });
    assert.equal(out.trim(), 'app');
  } finally {
    if (made) rmSync(envFile);
  }
});

test('stage 2 (k8s/overlays/aws): haproxy.bookstore.internal in a private zone of the VPC; the cluster nodes reach HAProxy and EFS when their group is given', () => {
  // The name the overlay's ExternalName Service resolves is the record the stack creates.
  const externalName = /externalName: (\S+)/.exec(readFileSync('../../k8s/overlays/aws/mysql-external.yaml', 'utf8'))?.[1];
  assert.equal(externalName, `${HAPROXY_RECORD}.${INTERNAL_ZONE}`);
  template.hasResourceProperties('AWS::Route53::HostedZone', { Name: `${INTERNAL_ZONE}.`, VPCs: [Match.objectLike({ VPCId: Match.anyValue() })] });
  const haproxy = Object.keys(template.findResources('AWS::EC2::Instance', { Properties: { Tags: Match.arrayWith([{ Key: 'Name', Value: 'haproxy' }]) } }))[0]!;
  template.hasResourceProperties('AWS::Route53::RecordSet', { Name: `${externalName}.`, Type: 'A', ResourceRecords: [{ 'Fn::GetAtt': [haproxy, 'PrivateIp'] }] });
  template.hasParameter('ClusterNodeSecurityGroupId', { Type: 'String', Default: '' });
  const rules = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { SourceSecurityGroupId: { Ref: 'ClusterNodeSecurityGroupId' } } })) as (Resource & { Condition?: string })[];
  assert.deepEqual(rules.map((r) => [r.Properties.FromPort, JSON.stringify(r.Properties.GroupId).match(/(HaproxySg|EfsSg)/)?.[1], r.Condition]).sort(), [
    [2049, 'EfsSg', 'HasClusterNodes'],
    [3306, 'HaproxySg', 'HasClusterNodes'],
  ]);
  // Without a cluster the rules do not exist (the condition is false for the empty default).
  template.hasCondition('HasClusterNodes', { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ClusterNodeSecurityGroupId' }, ''] }] });
});
