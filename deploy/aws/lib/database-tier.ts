// The database tier: a MariaDB 10.11 primary and replica (Debian 12, one in each zone) and two
// HAProxy instances (one in each zone) behind an internal Network Load Balancer, so the database
// entry point survives the loss of a zone. Why a HAProxy pair and not HAProxy on every app
// instance: the failover runbook fences the old writer in every HAProxy through the runtime API,
// and two fixed instances are a list it can reach and finish; an Auto Scaling Group's changing
// instances are not (one launched mid-failover would render the old topology until it read SSM).
import { Duration, Lazy, type Stack, Tags } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as elbv2targets from 'aws-cdk-lib/aws-elasticloadbalancingv2-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { bootScript } from './boot-script.ts';
import { parameterArn, tierRole } from './tier-role.ts';

export const DB_PORT = 3306;
export const HAPROXY_ADMIN_PORT = 9999;
/** HAProxy closes idle connections after 30 min (haproxy-db.cfg); the NLB waits longer, so it never cuts one first. */
export const NLB_TCP_IDLE_TIMEOUT_SECONDS = 1900;
export const METRICS_NAMESPACE = 'BookStore/Database';
/** The MariaDB host pattern of the app, replication and check users: the VPC (10.0.0.0/16). */
export const VPC_HOSTS = '10.0.%';

export interface Parameters {
  appPasswordParam: string;
  replicationPasswordParam: string;
  topologyPrefix: string;
}

export function databaseTier(stack: Stack, o: { vpc: ec2.IVpc; appSg: ec2.ISecurityGroup; tools: s3assets.Asset; machineImage: ec2.IMachineImage; instanceType: string; params: Parameters }) {
  const { vpc, params } = o;
  const nlbSg = new ec2.SecurityGroup(stack, 'DbNlbSg', { vpc, description: 'Database NLB: MySQL from the app only' });
  nlbSg.addIngressRule(o.appSg, ec2.Port.tcp(DB_PORT), 'MySQL from the app');
  const haproxySg = new ec2.SecurityGroup(stack, 'HaproxySg', { vpc, description: 'HAProxy: MySQL from the app (through the NLB, source preserved) and the NLB health checks; runtime API from the databases' });
  haproxySg.addIngressRule(o.appSg, ec2.Port.tcp(DB_PORT), 'MySQL from the app');
  haproxySg.addIngressRule(nlbSg, ec2.Port.tcp(DB_PORT), 'MySQL and health checks from the NLB');
  const dbSg = new ec2.SecurityGroup(stack, 'DbSg', { vpc, description: 'MariaDB: from HAProxy, and replication between the two servers' });
  dbSg.addIngressRule(haproxySg, ec2.Port.tcp(DB_PORT), 'MySQL from HAProxy');
  dbSg.addIngressRule(dbSg, ec2.Port.tcp(DB_PORT), 'replication between primary and replica');
  haproxySg.addIngressRule(dbSg, ec2.Port.tcp(HAPROXY_ADMIN_PORT), 'HAProxy runtime API for the failover runbook');

  // The topology the runbook changes; HAProxy renders its config and each database its role from it.
  for (const [name, value] of [['writer', 'db-primary'], ['standby', 'db-replica']] as const) {
    new ssm.StringParameter(stack, `Topology${name === 'writer' ? 'Writer' : 'Standby'}`, {
      parameterName: `${params.topologyPrefix}/${name}`,
      stringValue: value,
      description: `BookStore database ${name} (changed by bookstore-failover promote)`,
    });
  }

  // Backups: versioned, encrypted, private; Infrequent Access after 30 days, gone after 90.
  const backups = new s3.Bucket(stack, 'Backups', {
    encryption: s3.BucketEncryption.S3_MANAGED,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    enforceSSL: true,
    versioned: true,
    lifecycleRules: [
      { transitions: [{ storageClass: s3.StorageClass.INFREQUENT_ACCESS, transitionAfter: Duration.days(30) }], expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(7) },
    ],
  });

  // One role for the database tier (either server may become the writer).
  const db = tierRole(stack, 'Db', { tools: o.tools, logGroupName: '/bookstore/db', readsParameters: [params.appPasswordParam, params.replicationPasswordParam, `${params.topologyPrefix}/*`] });
  db.role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:PutParameter'], resources: [parameterArn(stack, `${params.topologyPrefix}/*`)] }));
  db.role.addToPolicy(new iam.PolicyStatement({ actions: ['ec2:DescribeInstances'], resources: ['*'] }));
  db.role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['ec2:StopInstances'],
      resources: [stack.formatArn({ service: 'ec2', resource: 'instance', resourceName: '*' })],
      conditions: { StringEquals: { 'aws:ResourceTag/bookstore:tier': 'db', 'aws:ResourceTag/aws:cloudformation:stack-name': stack.stackName } },
    }),
  );
  db.role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudwatch:PutMetricData'], resources: ['*'], conditions: { StringEquals: { 'cloudwatch:namespace': METRICS_NAMESPACE } } }));
  backups.grantReadWrite(db.role);
  const haproxyTier = tierRole(stack, 'Haproxy', { tools: o.tools, logGroupName: '/bookstore/haproxy', readsParameters: [`${params.topologyPrefix}/*`] });

  const common = (logGroup: string) => ({
    REGION: stack.region,
    STACK: stack.stackName,
    TOOLS_URL: o.tools.s3ObjectUrl,
    LOG_GROUP: logGroup,
    TOPOLOGY_PREFIX: params.topologyPrefix,
  });
  // Each instance waits for its boot script's signal (a creation policy): its boot script gets
  // its own logical id to signal, so the user data is rendered lazily, once that id is known.
  const instance = (id: string, name: string, tier: 'db' | 'haproxy', zone: number, sg: ec2.SecurityGroup, instanceType: string, file: string, values: Record<string, string>) => {
    const { role, logGroup } = tier === 'db' ? db : haproxyTier;
    let cfn: ec2.CfnInstance | undefined;
    const i = new ec2.Instance(stack, id, {
      vpc,
      vpcSubnets: { subnets: [vpc.privateSubnets[zone]!] },
      instanceName: name,
      instanceType: new ec2.InstanceType(instanceType),
      machineImage: o.machineImage,
      securityGroup: sg,
      role,
      httpTokens: ec2.HttpTokens.REQUIRED, // IMDSv2 only
      httpPutResponseHopLimit: 1, // no container on these hosts: the role stays on the host
      blockDevices: [{ deviceName: '/dev/xvda', volume: ec2.BlockDeviceVolume.ebs(tier === 'db' ? 30 : 8, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) }],
      userData: ec2.UserData.custom(Lazy.string({ produce: () => bootScript(file, { ...common(logGroup.logGroupName), RESOURCE: stack.getLogicalId(cfn!), ...values }) })),
    });
    cfn = i.node.defaultChild as ec2.CfnInstance;
    cfn.cfnOptions.creationPolicy = { resourceSignal: { count: 1, timeout: 'PT30M' } };
    Tags.of(i).add('bookstore:tier', tier);
    return i;
  };
  const primary = instance('DbPrimary', 'db-primary', 'db', 0, dbSg, o.instanceType, 'db-primary.sh', {
    BACKUP_BUCKET: backups.bucketName,
    APP_PASSWORD_PARAM: params.appPasswordParam,
    REPL_PASSWORD_PARAM: params.replicationPasswordParam,
    VPC_HOSTS,
  });
  const replica = instance('DbReplica', 'db-replica', 'db', 1, dbSg, o.instanceType, 'db-replica.sh', {
    BACKUP_BUCKET: backups.bucketName,
    REPL_PASSWORD_PARAM: params.replicationPasswordParam,
    PRIMARY_IP: primary.instancePrivateIp,
  });
  const haproxies = [0, 1].map((zone) =>
    instance(`Haproxy${zone === 0 ? 'A' : 'B'}`, 'haproxy', 'haproxy', zone, haproxySg, 't3.micro', 'haproxy.sh', {
      DB_PRIMARY_IP: primary.instancePrivateIp,
      DB_REPLICA_IP: replica.instancePrivateIp,
    }),
  );

  // The app's database host: the internal NLB over both HAProxy instances, in both zones.
  const nlb = new elbv2.NetworkLoadBalancer(stack, 'DbNlb', { vpc, internetFacing: false, vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS }, crossZoneEnabled: true, securityGroups: [nlbSg] });
  nlb.addListener('Mysql', { port: DB_PORT, protocol: elbv2.Protocol.TCP, tcpIdleTimeout: Duration.seconds(NLB_TCP_IDLE_TIMEOUT_SECONDS) }).addTargets('Haproxy', {
    port: DB_PORT,
    protocol: elbv2.Protocol.TCP,
    targets: haproxies.map((h) => new elbv2targets.InstanceTarget(h)),
    deregistrationDelay: Duration.seconds(30),
    healthCheck: { protocol: elbv2.Protocol.TCP, interval: Duration.seconds(10), healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
  });

  // Replication health (published by bookstore-db-metrics every minute) and its alarms.
  const metric = (name: string) => new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: name, period: Duration.minutes(1), statistic: 'Maximum' });
  const alarms = {
    replicaLag: new cloudwatch.Alarm(stack, 'ReplicaLagAlarm', {
      alarmDescription: 'The replica is more than 30 s behind the primary',
      metric: metric('ReplicaLagSeconds'),
      threshold: 30,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    }),
    replicationStopped: new cloudwatch.Alarm(stack, 'ReplicationStoppedAlarm', {
      alarmDescription: 'The replica does not replicate (a thread stopped, or no replica reports)',
      metric: metric('ReplicationRunning').with({ statistic: 'Minimum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 3,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    }),
    semiSyncOff: new cloudwatch.Alarm(stack, 'SemiSyncOffAlarm', {
      alarmDescription: 'The primary fell back to asynchronous replication: a confirmed purchase may not survive a failover',
      metric: metric('SemiSyncPrimaryOn').with({ statistic: 'Minimum' }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: 2,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    }),
  };
  return { nlb, nlbSg, haproxySg, dbSg, backups, db, haproxyTier, primary, replica, haproxies, alarms };
}

