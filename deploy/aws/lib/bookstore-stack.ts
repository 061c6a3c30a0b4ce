// BookStore scaled out on AWS: a public ALB (80 → 443, the ACM certificate) in front of an Auto
// Scaling Group of 2 to 5 app instances (target tracking at 50 % CPU) sharing their uploads on EFS,
// and a MariaDB 10.11 primary and replica on EC2 behind two HAProxy instances and an internal NLB
// (lib/database-tier.ts). Every instance runs the official Debian 12 AMI and a boot script from
// deploy/aws/boot/. No lookups: it synthesises offline, without an account. Plain TypeScript
// (Node 24 runs it as is: erasable types only).
import { CfnCondition, CfnOutput, CfnParameter, Duration, Fn, Lazy, Stack, type StackProps } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as route53 from 'aws-cdk-lib/aws-route53';
import * as route53targets from 'aws-cdk-lib/aws-route53-targets';
import * as s3assets from 'aws-cdk-lib/aws-s3-assets';
import type { Construct } from 'constructs';
import { bootScript } from './boot-script.ts';
import { DB_PORT, databaseTier } from './database-tier.ts';
import { tierRole } from './tier-role.ts';

export const APP_PORT = 3000;
/** The app's SHUTDOWN_TIMEOUT_MS is 9 s: the target group waits a little longer before it cuts. */
export const DEREGISTRATION_DELAY_SECONDS = 15;
/** Debian's public SSM parameter for the latest official Debian 12 (bookworm) AMI. */
export const DEBIAN_12_AMI_PARAMETER = '/aws/service/debian/release/bookworm/latest/amd64';
/** The database endpoint's private name, which k8s/overlays/aws (mysql-external.yaml) resolves. */
export const INTERNAL_ZONE = 'bookstore.internal';
export const HAPROXY_RECORD = 'haproxy';

export interface BookStoreStackProps extends StackProps {
  /** The release tarball CI built (scripts/release-tarball.sh): what the app instances run. */
  releaseTarball: string;
  /** Prefix of the SSM parameters (SecureString secrets, and the database topology). */
  secretsPrefix?: string;
}

export class BookStoreStack extends Stack {
  constructor(scope: Construct, id: string, props: BookStoreStackProps) {
    super(scope, id, props);
    const prefix = props.secretsPrefix ?? '/bookstore';
    const params = {
      sessionSecret: `${prefix}/app/session-secret`,
      jwtSecret: `${prefix}/app/jwt-secret`,
      // Optional: SES SMTP credentials as smtps://USER:PASSWORD@email-smtp.REGION.amazonaws.com:465
      // (docs/scale-out.md). Without it the app sends nothing and its outboxes wait.
      smtpUrl: `${prefix}/app/smtp-url`,
      appPasswordParam: `${prefix}/app/db-password`,
      replicationPasswordParam: `${prefix}/db/replication-password`,
      topologyPrefix: `${prefix}/topology`,
    };

    // Resolved by CloudFormation at each deployment, so app instances roll onto Debian's newest
    // image; the database instances read their own parameter, which you pin before an update
    // (a new AMI replaces an instance: docs/scale-out.md).
    const image = (name: string, description: string) =>
      new CfnParameter(this, name, { type: 'AWS::SSM::Parameter::Value<AWS::EC2::Image::Id>', default: DEBIAN_12_AMI_PARAMETER, description });
    const appImage = image('AppImageParameter', 'SSM parameter naming the Debian 12 AMI of the app instances');
    const dbImage = image('DbImageParameter', 'SSM parameter naming the Debian 12 AMI of the database and HAProxy instances (pin it: a change replaces them)');
    const machineImage = (p: CfnParameter): ec2.IMachineImage => ({
      getImage: () => ({ imageId: p.valueAsString, osType: ec2.OperatingSystemType.LINUX, userData: ec2.UserData.forLinux() }),
    });
    const certificateArn = new CfnParameter(this, 'CertificateArn', { type: 'String', description: 'ACM certificate for the domain (HTTPS on the ALB)' });
    const appInstanceType = new CfnParameter(this, 'AppInstanceType', { type: 'String', default: 't3.small' });
    // Links in e-mails start here (never the request's Host), and e-mails come from MAIL_FROM
    // (an address SES has verified).
    const publicUrl = new CfnParameter(this, 'PublicUrl', { type: 'String', allowedPattern: '^https://[^/]+$', description: 'The shop as its users reach it, e.g. https://shop.example.com' });
    const mailFrom = new CfnParameter(this, 'MailFrom', { type: 'String', allowedPattern: "^[^'\\n]+$", default: 'BookStore <no-reply@bookstore.local>', description: 'The sender of e-mails (an identity SES has verified)' });
    const dbInstanceType = new CfnParameter(this, 'DbInstanceType', { type: 'String', default: 't3.medium' });

    // Two zones, a NAT gateway in each (apt and AWS's agent packages at boot), and an S3 gateway
    // endpoint (the release, the host tools and the backups without NAT).
    const vpc = new ec2.Vpc(this, 'Vpc', {
      ipAddresses: ec2.IpAddresses.cidr('10.0.0.0/16'),
      maxAzs: 2,
      natGateways: 2,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
      gatewayEndpoints: { S3: { service: ec2.GatewayVpcEndpointAwsService.S3 } },
    });

    // What the instances run, both S3 assets of this stack: the release CI built, and the host
    // tools (runbook, HAProxy template, backup and metrics scripts, systemd units).
    const release = new s3assets.Asset(this, 'Release', { path: props.releaseTarball });
    const tools = new s3assets.Asset(this, 'HostTools', { path: new URL('../host', import.meta.url).pathname });

    // Security groups: only the ALB is public; no SSH anywhere (Session Manager instead).
    const albSg = new ec2.SecurityGroup(this, 'AlbSg', { vpc, description: 'ALB: HTTP and HTTPS from anywhere' });
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP (redirected to HTTPS)');
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS');
    const appSg = new ec2.SecurityGroup(this, 'AppSg', { vpc, description: 'App instances: the app port from the ALB only' });
    appSg.addIngressRule(albSg, ec2.Port.tcp(APP_PORT), 'the app port from the ALB');
    const efsSg = new ec2.SecurityGroup(this, 'EfsSg', { vpc, description: 'EFS: NFS from the app instances only', allowAllOutbound: false });
    efsSg.addIngressRule(appSg, ec2.Port.tcp(2049), 'NFS from the app');

    // Uploads shared by every instance: encrypted EFS, a mount target in each zone.
    const uploads = new efs.FileSystem(this, 'Uploads', {
      vpc,
      encrypted: true,
      securityGroup: efsSg,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
    });

    const database = databaseTier(this, { vpc, appSg, tools, machineImage: machineImage(dbImage), instanceType: dbInstanceType.valueAsString, params });

    // The app tier: its own role (its three parameters, the release), a launch template (IMDSv2,
    // hop limit 1: the app runs on the host, no container needs the role) and the group.
    const app = tierRole(this, 'App', { tools, logGroupName: '/bookstore/app', readsParameters: [params.sessionSecret, params.jwtSecret, params.appPasswordParam, params.smtpUrl] });
    release.grantRead(app.role);
    let asgResource: autoscaling.CfnAutoScalingGroup | undefined;
    const launchTemplate = new ec2.LaunchTemplate(this, 'AppLaunchTemplate', {
      machineImage: machineImage(appImage),
      instanceType: new ec2.InstanceType(appInstanceType.valueAsString),
      securityGroup: appSg,
      role: app.role,
      requireImdsv2: true,
      httpPutResponseHopLimit: 1,
      userData: ec2.UserData.custom(
        Lazy.string({
          produce: () =>
            bootScript('app.sh', {
              REGION: this.region,
              STACK: this.stackName,
              RESOURCE: this.getLogicalId(asgResource!),
              TOOLS_URL: tools.s3ObjectUrl,
              LOG_GROUP: app.logGroup.logGroupName,
              RELEASE_URL: release.s3ObjectUrl,
              FILE_SYSTEM_ID: uploads.fileSystemId,
              DB_HOST: database.nlb.loadBalancerDnsName,
              // The ALB is the only client: trust the addresses of the VPC it sits in.
              TRUST_PROXY: vpc.vpcCidrBlock,
              SESSION_SECRET_PARAM: params.sessionSecret,
              JWT_SECRET_PARAM: params.jwtSecret,
              DB_PASSWORD_PARAM: params.appPasswordParam,
              SMTP_URL_PARAM: params.smtpUrl,
              PUBLIC_URL: publicUrl.valueAsString,
              MAIL_FROM: mailFrom.valueAsString,
            }),
        }),
      ),
    });
    // A new release (or image) is a new launch template version: CloudFormation replaces the
    // instances one at a time, keeping two in service, each new one counted only once its boot
    // script signals that the app answers; a failed signal rolls the update back.
    const asg = new autoscaling.AutoScalingGroup(this, 'AppAsg', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate,
      minCapacity: 2,
      maxCapacity: 5,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({ additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB], gracePeriod: Duration.minutes(5) }),
      defaultInstanceWarmup: Duration.seconds(90),
      signals: autoscaling.Signals.waitForMinCapacity({ timeout: Duration.minutes(20) }),
      updatePolicy: autoscaling.UpdatePolicy.rollingUpdate({ maxBatchSize: 1, minInstancesInService: 2, pauseTime: Duration.minutes(20), waitOnResourceSignals: true }),
    });
    asgResource = asg.node.defaultChild as autoscaling.CfnAutoScalingGroup;
    asg.scaleOnCpuUtilization('Cpu50', { targetUtilizationPercent: 50 });
    uploads.connections.allowDefaultPortFrom(appSg);
    // First boot mounts EFS and migrates the database: both must be there.
    asg.node.addDependency(uploads.mountTargetsAvailable, database.primary, database.replica, ...database.haproxies);

    const alb = new elbv2.ApplicationLoadBalancer(this, 'Alb', { vpc, internetFacing: true, securityGroup: albSg });
    alb.addListener('Http', { port: 80, open: false, defaultAction: elbv2.ListenerAction.redirect({ protocol: 'HTTPS', port: '443', permanent: true }) });
    const https = alb.addListener('Https', {
      port: 443,
      open: false,
      certificates: [acm.Certificate.fromCertificateArn(this, 'Certificate', certificateArn.valueAsString)],
      sslPolicy: elbv2.SslPolicy.RECOMMENDED_TLS,
    });
    https.addTargets('App', {
      port: APP_PORT,
      protocol: elbv2.ApplicationProtocol.HTTP,
      targets: [asg],
      deregistrationDelay: Duration.seconds(DEREGISTRATION_DELAY_SECONDS),
      healthCheck: { path: '/ping', healthyHttpCodes: '200', interval: Duration.seconds(10), timeout: Duration.seconds(5), healthyThresholdCount: 2, unhealthyThresholdCount: 2 },
    });

    // Stage 2, the services on a Kubernetes cluster in this VPC (k8s/overlays/aws): the database
    // endpoint by a private name (the NLB), and, when the cluster's node security group is given,
    // its nodes (and so its pods) let in to the database entry point and EFS as the app is.
    const zone = new route53.PrivateHostedZone(this, 'InternalZone', { zoneName: INTERNAL_ZONE, vpc });
    new route53.ARecord(this, 'HaproxyRecord', { zone, recordName: HAPROXY_RECORD, target: route53.RecordTarget.fromAlias(new route53targets.LoadBalancerTarget(database.nlb)) });
    const clusterNodes = new CfnParameter(this, 'ClusterNodeSecurityGroupId', {
      type: 'String',
      default: '',
      description: 'Security group of the Kubernetes nodes running k8s/overlays/aws (empty: no cluster)',
    });
    const hasCluster = new CfnCondition(this, 'HasClusterNodes', { expression: Fn.conditionNot(Fn.conditionEquals(clusterNodes.valueAsString, '')) });
    const fromClusterNodes = (id: string, group: ec2.SecurityGroup, port: number, description: string) => {
      const rule = new ec2.CfnSecurityGroupIngress(this, id, { groupId: group.securityGroupId, ipProtocol: 'tcp', fromPort: port, toPort: port, sourceSecurityGroupId: clusterNodes.valueAsString, description });
      rule.cfnOptions.condition = hasCluster;
    };
    // The NLB preserves the client's address, so HAProxy admits the nodes as well as the NLB does.
    fromClusterNodes('DbNlbFromClusterNodes', database.nlbSg, DB_PORT, 'MySQL from the Kubernetes nodes');
    fromClusterNodes('HaproxyFromClusterNodes', database.haproxySg, DB_PORT, 'MySQL from the Kubernetes nodes');
    fromClusterNodes('EfsFromClusterNodes', efsSg, 2049, 'NFS from the Kubernetes nodes (EFS CSI driver)');

    new CfnOutput(this, 'HaproxyDns', { value: `${HAPROXY_RECORD}.${INTERNAL_ZONE}`, description: 'The database endpoint for k8s/overlays/aws' });
    new CfnOutput(this, 'LoadBalancerDns', { value: alb.loadBalancerDnsName, description: 'Point the domain (CNAME or alias) here' });
    new CfnOutput(this, 'DatabaseEndpoint', { value: database.nlb.loadBalancerDnsName, description: 'The internal NLB in front of the two HAProxy instances' });
    new CfnOutput(this, 'BackupBucket', { value: database.backups.bucketName });
    new CfnOutput(this, 'UploadsFileSystem', { value: uploads.fileSystemId });
    new CfnOutput(this, 'Zones', { value: Fn.join(',', vpc.availabilityZones) });
  }
}
