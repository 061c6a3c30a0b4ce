// The scale-out infrastructure, checked offline with aws-cdk-lib/assertions: what each resource
// does (who may read which parameter, how a release rolls, which image boots, what alarms), and
// that nothing else is open to the world. The boot scripts themselves are checked by
// test/boot-scripts.test.ts and the host tools by test/host-tools.test.ts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { APP_PORT, BookStoreStack, DEBIAN_12_AMI_PARAMETER, DEREGISTRATION_DELAY_SECONDS, HAPROXY_RECORD, INTERNAL_ZONE } from '../lib/bookstore-stack.ts';
import { METRICS_NAMESPACE, NLB_TCP_IDLE_TIMEOUT_SECONDS } from '../lib/database-tier.ts';

const releaseTarball = join(mkdtempSync(join(tmpdir(), 'bookstore-release-')), 'bookstore.tar.gz');
writeFileSync(releaseTarball, 'a stand-in for the release tarball');
const template = Template.fromStack(new BookStoreStack(new App(), 'BookStore', { releaseTarball }));
const json = JSON.stringify(template.toJSON());
type Resource = { Properties: Record<string, unknown>; DependsOn?: string[]; CreationPolicy?: unknown; UpdatePolicy?: unknown; Condition?: string };
const resources = (type: string) => template.findResources(type) as Record<string, Resource>;
const instancesByName = () => {
  const byName = new Map<string, [string, Resource][]>();
  for (const [id, i] of Object.entries(resources('AWS::EC2::Instance'))) {
    const name = (i.Properties.Tags as { Key: string; Value: string }[]).find((t) => t.Key === 'Name')!.Value;
    byName.set(name, [...(byName.get(name) ?? []), [id, i]]);
  }
  return byName;
};
const appLaunchTemplate = () => Object.entries(resources('AWS::EC2::LaunchTemplate')).find(([id]) => id.startsWith('AppLaunchTemplate'))!;

// --- IAM: the statements a role's policies hold ---------------------------------------------------
type Statement = { Effect: string; Action: string | string[]; Resource: unknown; Condition?: unknown };
const statementsOf = (roleId: string): Statement[] =>
  Object.values(resources('AWS::IAM::Policy'))
    .filter((p) => JSON.stringify(p.Properties.Roles).includes(`"${roleId}"`))
    .flatMap((p) => (p.Properties.PolicyDocument as { Statement: Statement[] }).Statement);
const actions = (s: Statement) => [s.Action].flat();
const roleOfInstance = (instance: Resource) => {
  const profile = resources('AWS::IAM::InstanceProfile')[(instance.Properties.IamInstanceProfile as { Ref: string }).Ref]!;
  return (profile.Properties.Roles as { Ref: string }[])[0]!.Ref;
};
const roleOfLaunchTemplate = (lt: Resource) => {
  const arn = ((lt.Properties.LaunchTemplateData as Record<string, unknown>).IamInstanceProfile as { Arn: { 'Fn::GetAtt': [string, string] } }).Arn['Fn::GetAtt'][0];
  return (resources('AWS::IAM::InstanceProfile')[arn]!.Properties.Roles as { Ref: string }[])[0]!.Ref;
};
/** The parameter names (after `parameter/`) a role may ssm:GetParameter. */
const readableParameters = (roleId: string) =>
  statementsOf(roleId)
    .filter((s) => actions(s).some((a) => a.startsWith('ssm:GetParameter')))
    .flatMap((s) => [s.Resource].flat())
    .map((r) => /parameter\/([^"]+)/.exec(JSON.stringify(r))?.[1] ?? JSON.stringify(r))
    .sort();

test('a VPC over two availability zones, a NAT gateway in each, an S3 gateway endpoint', () => {
  const subnets = Object.values(resources('AWS::EC2::Subnet'));
  assert.equal(subnets.length, 4);
  assert.equal(new Set(subnets.map((s) => JSON.stringify(s.Properties.AvailabilityZone))).size, 2, 'two zones');
  const nats = Object.values(resources('AWS::EC2::NatGateway'));
  assert.equal(nats.length, 2, 'one NAT gateway per zone');
  assert.equal(new Set(nats.map((n) => JSON.stringify(n.Properties.SubnetId))).size, 2);
  template.hasResourceProperties('AWS::EC2::VPCEndpoint', { VpcEndpointType: 'Gateway', ServiceName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([Match.stringLikeRegexp('\\.s3$')])] }) });
});

test('every instance boots the official Debian 12 AMI, resolved from its public SSM parameter', () => {
  for (const name of ['AppImageParameter', 'DbImageParameter']) template.hasParameter(name, { Type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', Default: DEBIAN_12_AMI_PARAMETER });
  for (const list of instancesByName().values()) for (const [, i] of list) assert.deepEqual(i.Properties.ImageId, { Ref: 'DbImageParameter' });
  assert.deepEqual((appLaunchTemplate()[1].Properties.LaunchTemplateData as Record<string, unknown>).ImageId, { Ref: 'AppImageParameter' });
  assert.doesNotMatch(json, /ami-[0-9a-f]{8,}/, 'no hard-coded AMI id');
});

test('IMDSv2 only, hop limit 1, on every instance and the launch template (no container needs the role)', () => {
  const options = [
    ...Object.values(resources('AWS::EC2::Instance')).map((i) => i.Properties.MetadataOptions),
    (appLaunchTemplate()[1].Properties.LaunchTemplateData as Record<string, unknown>).MetadataOptions,
  ];
  assert.equal(options.length, 5);
  for (const o of options) assert.deepEqual(o, { HttpTokens: 'required', HttpPutResponseHopLimit: 1 });
});

test('one role per tier, each reading only its own SSM parameters', () => {
  const byName = instancesByName();
  const appRole = roleOfLaunchTemplate(appLaunchTemplate()[1]);
  const dbRoles = new Set([...byName.get('db-primary')!, ...byName.get('db-replica')!].map(([, i]) => roleOfInstance(i)));
  const haproxyRoles = new Set(byName.get('haproxy')!.map(([, i]) => roleOfInstance(i)));
  assert.equal(dbRoles.size, 1, 'the two database servers share the database tier role');
  assert.equal(haproxyRoles.size, 1);
  const [dbRole] = [...dbRoles];
  const [haproxyRole] = [...haproxyRoles];
  assert.equal(new Set([appRole, dbRole, haproxyRole]).size, 3, 'three tiers, three roles');

  assert.deepEqual(readableParameters(appRole), ['bookstore/app/db-password', 'bookstore/app/jwt-secret', 'bookstore/app/session-secret', 'bookstore/app/smtp-url']);
  assert.deepEqual(readableParameters(dbRole!), ['bookstore/app/db-password', 'bookstore/db/replication-password', 'bookstore/topology/*']);
  assert.deepEqual(readableParameters(haproxyRole!), ['bookstore/topology/*']);
  // Nobody reads every parameter: no ssm:* or GetParameter on "*", and not AWS's managed
  // AmazonSSMManagedInstanceCore (which allows ssm:GetParameter on every parameter).
  for (const role of [appRole, dbRole!, haproxyRole!]) {
    for (const s of statementsOf(role)) {
      if (actions(s).some((a) => a === 'ssm:*' || a.startsWith('ssm:GetParameter'))) assert.notEqual(s.Resource, '*', `${role}: ${JSON.stringify(s)}`);
    }
    assert.ok(statementsOf(role).some((s) => actions(s).includes('ssmmessages:OpenControlChannel')), `${role}: Session Manager`);
  }
  assert.doesNotMatch(json, /AmazonSSMManagedInstanceCore/);
  for (const role of Object.values(resources('AWS::IAM::Role'))) assert.equal(role.Properties.ManagedPolicyArns, undefined);

  // Only the database tier changes the topology, stops a database instance, publishes metrics.
  const can = (role: string, action: string) => statementsOf(role).filter((s) => actions(s).includes(action));
  assert.deepEqual(can(dbRole!, 'ssm:PutParameter').map((s) => /parameter\/([^"]+)/.exec(JSON.stringify(s.Resource))?.[1]), ['bookstore/topology/*']);
  const stop = can(dbRole!, 'ec2:StopInstances');
  assert.equal(stop.length, 1);
  assert.deepEqual(stop[0]!.Condition, { StringEquals: { 'aws:ResourceTag/bookstore:tier': 'db', 'aws:ResourceTag/aws:cloudformation:stack-name': 'BookStore' } });
  assert.deepEqual(can(dbRole!, 'cloudwatch:PutMetricData')[0]!.Condition, { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } });
  for (const role of [appRole, haproxyRole!]) {
    for (const action of ['ssm:PutParameter', 'ec2:StopInstances', 'cloudwatch:PutMetricData']) assert.deepEqual(can(role, action), [], `${role} ${action}`);
  }
  for (const list of byName.values()) for (const [, i] of list) {
    const tier = (i.Properties.Tags as { Key: string; Value: string }[]).find((t) => t.Key === 'bookstore:tier')?.Value;
    assert.ok(tier === 'db' || tier === 'haproxy');
  }
  assert.deepEqual(byName.get('haproxy')!.map(([, i]) => (i.Properties.Tags as { Key: string; Value: string }[]).find((t) => t.Key === 'bookstore:tier')!.Value), ['haproxy', 'haproxy'], 'HAProxy cannot be stopped by the runbook');
  // Backups: the database tier only.
  const backupReaders = Object.values(resources('AWS::IAM::Policy')).filter((p) => JSON.stringify(p.Properties.PolicyDocument).includes('Backups'));
  assert.deepEqual(backupReaders.map((p) => (p.Properties.Roles as { Ref: string }[]).map((r) => r.Ref)).flat(), [dbRole]);
});

test('the ALB: internet-facing, 80 redirects to 443, 443 with the certificate parameter', () => {
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', { Scheme: 'internet-facing', Type: 'application' });
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
    Port: 80,
    DefaultActions: [Match.objectLike({ Type: 'redirect', RedirectConfig: Match.objectLike({ Protocol: 'HTTPS', Port: '443', StatusCode: 'HTTP_301' }) })],
  });
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', { Port: 443, Protocol: 'HTTPS', Certificates: [{ CertificateArn: { Ref: 'CertificateArn' } }] });
});

test('the target group: the app port, health check GET /ping, deregistration delay above the app shutdown timeout', () => {
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', {
    Port: APP_PORT,
    Protocol: 'HTTP',
    HealthCheckPath: '/ping',
    Matcher: { HttpCode: '200' },
    TargetGroupAttributes: Match.arrayWith([{ Key: 'deregistration_delay.timeout_seconds', Value: String(DEREGISTRATION_DELAY_SECONDS) }]),
  });
  assert.ok(DEREGISTRATION_DELAY_SECONDS * 1000 > 9000, 'SHUTDOWN_TIMEOUT_MS defaults to 9000');
});

test('a release rolls one instance at a time, two always in service, each counted once it signals; first boot after EFS and the databases', () => {
  const [[id, asg]] = Object.entries(resources('AWS::AutoScaling::AutoScalingGroup')) as [[string, Resource]];
  assert.deepEqual(asg.UpdatePolicy, Match.anyValue() && asg.UpdatePolicy);
  const rolling = (asg.UpdatePolicy as { AutoScalingRollingUpdate: Record<string, unknown> }).AutoScalingRollingUpdate;
  assert.equal(rolling.MaxBatchSize, 1);
  assert.equal(rolling.MinInstancesInService, 2);
  assert.equal(rolling.WaitOnResourceSignals, true);
  assert.deepEqual(asg.CreationPolicy, { ResourceSignal: { Count: 2, Timeout: 'PT20M' } });
  assert.equal(asg.Properties.DefaultInstanceWarmup, 90);
  assert.equal(asg.Properties.MinSize, '2');
  assert.equal(asg.Properties.MaxSize, '5');
  assert.equal(asg.Properties.HealthCheckType, 'ELB');
  // The launch template's version is what changes with a release: the group follows the latest.
  assert.deepEqual((asg.Properties.LaunchTemplate as Record<string, unknown>).Version, { 'Fn::GetAtt': [appLaunchTemplate()[0], 'LatestVersionNumber'] });
  // The boot script signals this very group.
  assert.ok(JSON.stringify((appLaunchTemplate()[1].Properties.LaunchTemplateData as Record<string, unknown>).UserData).includes(`RESOURCE='${id}'`));
  const mountTargets = Object.keys(resources('AWS::EFS::MountTarget'));
  const databases = [...instancesByName().values()].flat().map(([i]) => i);
  for (const dep of [...mountTargets, ...databases]) assert.ok(asg.DependsOn?.includes(dep), `the group waits for ${dep}`);
  template.hasResourceProperties('AWS::AutoScaling::ScalingPolicy', {
    PolicyType: 'TargetTrackingScaling',
    TargetTrackingConfiguration: Match.objectLike({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' } }),
  });
});

test('the release is an S3 asset the app instances download; no git clone, no build at boot', () => {
  const parts = ((appLaunchTemplate()[1].Properties.LaunchTemplateData as { UserData: { 'Fn::Base64': { 'Fn::Join': [string, unknown[]] } } }).UserData['Fn::Base64']['Fn::Join'][1]);
  const at = parts.findIndex((p) => typeof p === 'string' && p.endsWith("RELEASE_URL='"));
  assert.match(JSON.stringify(parts[at + 1]), /^\{"Fn::Sub":"s3:\/\/cdk-[a-z0-9]+-assets-\$\{AWS::AccountId\}-\$\{AWS::Region\}\/[0-9a-f]{64}\.gz"\}$/);
  const commands = parts.filter((p): p is string => typeof p === 'string').join('').split('\n').filter((l) => !/^\s*#/.test(l)).join('\n');
  assert.doesNotMatch(commands, /git clone|npm |tsc|docker/);
  assert.match(commands, /systemctl enable --now bookstore-app\.service/);
});

test('four database-tier instances: db-primary and db-replica, a HAProxy in each zone; each waits for its signal', () => {
  const byName = instancesByName();
  assert.deepEqual([...byName.keys()].sort(), ['db-primary', 'db-replica', 'haproxy']);
  assert.equal(byName.get('haproxy')!.length, 2);
  const subnet = (i: Resource) => JSON.stringify(i.Properties.SubnetId);
  assert.notEqual(subnet(byName.get('db-primary')![0]![1]), subnet(byName.get('db-replica')![0]![1]), 'primary and replica in two zones');
  assert.notEqual(subnet(byName.get('haproxy')![0]![1]), subnet(byName.get('haproxy')![1]![1]), 'HAProxy in two zones');
  for (const [, i] of [...byName.values()].flat()) {
    assert.deepEqual(i.CreationPolicy, { ResourceSignal: { Count: 1, Timeout: 'PT30M' } });
    assert.equal(i.Properties.KeyName, undefined, 'no SSH key');
  }
});

test('the database entry point: an internal NLB over both HAProxy instances, cross-zone, idle timeout above HAProxy\'s', () => {
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::LoadBalancer', {
    Scheme: 'internal',
    Type: 'network',
    LoadBalancerAttributes: Match.arrayWith([{ Key: 'load_balancing.cross_zone.enabled', Value: 'true' }]),
  });
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::Listener', {
    Port: 3306,
    Protocol: 'TCP',
    ListenerAttributes: [{ Key: 'tcp.idle_timeout.seconds', Value: String(NLB_TCP_IDLE_TIMEOUT_SECONDS) }],
  });
  assert.ok(NLB_TCP_IDLE_TIMEOUT_SECONDS > 30 * 60, 'HAProxy closes an idle connection (30 min) before the NLB does');
  const haproxies = instancesByName().get('haproxy')!.map(([id]) => id).sort();
  template.hasResourceProperties('AWS::ElasticLoadBalancingV2::TargetGroup', { Port: 3306, Protocol: 'TCP', TargetType: 'instance' });
  const tg = Object.values(resources('AWS::ElasticLoadBalancingV2::TargetGroup')).find((t) => t.Properties.Protocol === 'TCP')!;
  assert.deepEqual((tg.Properties.Targets as { Id: { Ref: string } }[]).map((t) => t.Id.Ref).sort(), haproxies);
});

test('alarms on replica lag, stopped replication and semi-sync falling back to asynchronous', () => {
  const alarms = Object.values(resources('AWS::CloudWatch::Alarm')).map((a) => a.Properties);
  const byMetric = new Map(alarms.map((a) => [a.MetricName as string, a]));
  assert.equal(byMetric.get('ReplicaLagSeconds')?.ComparisonOperator, 'GreaterThanThreshold');
  assert.equal(byMetric.get('ReplicaLagSeconds')?.Threshold, 30);
  assert.equal(byMetric.get('ReplicationRunning')?.ComparisonOperator, 'LessThanThreshold');
  assert.equal(byMetric.get('SemiSyncPrimaryOn')?.ComparisonOperator, 'LessThanThreshold');
  // No report is bad news for these two: a dead primary or replica publishes nothing.
  assert.equal(byMetric.get('SemiSyncPrimaryOn')?.TreatMissingData, 'breaching');
  assert.equal(byMetric.get('ReplicationRunning')?.TreatMissingData, 'breaching');
  for (const a of alarms) assert.equal(a.Namespace, METRICS_NAMESPACE);
  // The names bookstore-db-metrics publishes are the ones the alarms watch.
  const script = readFileSync(new URL('../host/bin/bookstore-db-metrics', import.meta.url), 'utf8');
  for (const name of byMetric.keys()) assert.ok(script.includes(`MetricName=${name}`), name);
  assert.ok(script.includes(`--namespace ${METRICS_NAMESPACE}`));
});

test('backups: a private, encrypted, versioned bucket with a lifecycle', () => {
  template.hasResourceProperties('AWS::S3::Bucket', {
    BucketEncryption: Match.objectLike({ ServerSideEncryptionConfiguration: [Match.objectLike({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } })] }),
    PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
    VersioningConfiguration: { Status: 'Enabled' },
    LifecycleConfiguration: { Rules: [Match.objectLike({ ExpirationInDays: 90, Transitions: [{ StorageClass: 'STANDARD_IA', TransitionInDays: 30 }] })] },
  });
});

test('logs: one group per tier, a month of retention, written by that tier only', () => {
  for (const name of ['/bookstore/app', '/bookstore/db', '/bookstore/haproxy']) template.hasResourceProperties('AWS::Logs::LogGroup', { LogGroupName: name, RetentionInDays: 30 });
});

test('EFS is encrypted with a mount target in each zone', () => {
  template.hasResourceProperties('AWS::EFS::FileSystem', { Encrypted: true });
  template.resourceCountIs('AWS::EFS::MountTarget', 2);
});

test('security groups: only the ALB is public; app port from the ALB; NFS from the app; 3306 app → NLB → HAProxy → databases; runtime API from the databases; no SSH', () => {
  const ingress: { from: number; cidr?: string; group?: string; in: string }[] = [];
  const groupId = (ref: unknown) => JSON.stringify(ref);
  for (const [id, sg] of Object.entries(resources('AWS::EC2::SecurityGroup'))) {
    for (const rule of (sg.Properties.SecurityGroupIngress as Record<string, unknown>[] | undefined) ?? []) {
      ingress.push({ from: rule.FromPort as number, cidr: rule.CidrIp as string | undefined, group: rule.SourceSecurityGroupId ? groupId(rule.SourceSecurityGroupId) : undefined, in: id });
    }
  }
  for (const rule of Object.values(resources('AWS::EC2::SecurityGroupIngress'))) {
    if (rule.Condition) continue; // stage 2, below
    const p = rule.Properties;
    ingress.push({ from: p.FromPort as number, cidr: p.CidrIp as string | undefined, group: groupId(p.SourceSecurityGroupId), in: JSON.stringify(p.GroupId) });
  }
  const publicRules = ingress.filter((r) => r.cidr === '0.0.0.0/0');
  assert.deepEqual(publicRules.map((r) => r.from).sort(), [443, 80]);
  assert.ok(publicRules.every((r) => r.in.startsWith('AlbSg')), 'only the ALB is open to the world');
  assert.ok(!ingress.some((r) => r.from === 22), 'no SSH from anywhere');
  const sgRef = (name: string) => Object.keys(resources('AWS::EC2::SecurityGroup')).find((k) => k.startsWith(name))!;
  const from = (port: number, target: string) =>
    ingress
      .filter((r) => r.from === port && r.in.includes(sgRef(target)))
      .map((r) => ['AlbSg', 'AppSg', 'DbNlbSg', 'HaproxySg', 'DbSg'].find((n) => r.group?.includes(sgRef(n))) ?? r.cidr)
      .sort();
  assert.deepEqual(from(APP_PORT, 'AppSg'), ['AlbSg']);
  assert.deepEqual([...new Set(from(2049, 'EfsSg'))], ['AppSg']);
  assert.deepEqual(from(3306, 'DbNlbSg'), ['AppSg']);
  assert.deepEqual(from(3306, 'HaproxySg'), ['AppSg', 'DbNlbSg']);
  assert.deepEqual(from(9999, 'HaproxySg'), ['DbSg']);
  assert.deepEqual(from(3306, 'DbSg'), ['DbSg', 'HaproxySg']);
});

test('stage 2 (k8s/overlays/aws): haproxy.bookstore.internal in a private zone names the database NLB; the cluster nodes reach it and EFS when their group is given', () => {
  // The name the overlay's ExternalName Service resolves is the record the stack creates.
  const externalName = /externalName: (\S+)/.exec(readFileSync(new URL('../../../k8s/overlays/aws/mysql-external.yaml', import.meta.url), 'utf8'))?.[1];
  assert.equal(externalName, `${HAPROXY_RECORD}.${INTERNAL_ZONE}`);
  template.hasResourceProperties('AWS::Route53::HostedZone', { Name: `${INTERNAL_ZONE}.`, VPCs: [Match.objectLike({ VPCId: Match.anyValue() })] });
  const nlb = Object.entries(resources('AWS::ElasticLoadBalancingV2::LoadBalancer')).find(([, l]) => l.Properties.Type === 'network')![0];
  template.hasResourceProperties('AWS::Route53::RecordSet', { Name: `${externalName}.`, Type: 'A', AliasTarget: Match.objectLike({ DNSName: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith([{ 'Fn::GetAtt': [nlb, 'DNSName'] }])] }) }) });
  template.hasParameter('ClusterNodeSecurityGroupId', { Type: 'String', Default: '' });
  const rules = Object.values(template.findResources('AWS::EC2::SecurityGroupIngress', { Properties: { SourceSecurityGroupId: { Ref: 'ClusterNodeSecurityGroupId' } } })) as Resource[];
  assert.deepEqual(rules.map((r) => [r.Properties.FromPort, JSON.stringify(r.Properties.GroupId).match(/(DbNlbSg|HaproxySg|EfsSg)/)?.[1], r.Condition]).sort(), [
    [2049, 'EfsSg', 'HasClusterNodes'],
    [3306, 'DbNlbSg', 'HasClusterNodes'],
    [3306, 'HaproxySg', 'HasClusterNodes'],
  ]);
  template.hasCondition('HasClusterNodes', { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ClusterNodeSecurityGroupId' }, ''] }] });
});
