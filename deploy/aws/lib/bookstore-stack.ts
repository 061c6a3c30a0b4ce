// BookStore scaled out on AWS: a public ALB (80 → 443, the ACM certificate) in front of an Auto
// Scaling Group of 2 to 5 app instances (target tracking at 50 % CPU) sharing their uploads on EFS,
// and a self-managed MySQL 8.4 primary and replica on EC2 behind HAProxy. No lookups: it synthesises
// offline, without an account. Plain TypeScript (Node 24 runs it as is: erasable types only).
import { CfnCondition, CfnOutput, CfnParameter, Duration, Fn, Stack, type StackProps } from 'aws-cdk-lib';
import * as autoscaling from 'aws-cdk-lib/aws-autoscaling';
import * as acm from 'aws-cdk-lib/aws-certificatemanager';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as efs from 'aws-cdk-lib/aws-efs';
import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as route53 from 'aws-cdk-lib/aws-route53';
import type { Construct } from 'constructs';
import { appUserData, databaseUserData, haproxyUserData } from './user-data.ts';

export const APP_PORT = 3000;
/** The app's SHUTDOWN_TIMEOUT_MS is 9 s: the target group waits a little longer before it cuts. */
export const DEREGISTRATION_DELAY_SECONDS = 15;

/** The database endpoint's private name, which k8s/overlays/aws (mysql-external.yaml) resolves. */
export const INTERNAL_ZONE = 'bookstore.internal';
export const HAPROXY_RECORD = 'haproxy';

export interface BookStoreStackProps extends StackProps {
  /** Names of the SSM parameters holding the secrets (SecureString), read by the instances at boot. */
  secretsPrefix?: string;
}

export class BookStoreStack extends Stack {
  constructor(scope: Construct, id: string, props: BookStoreStackProps = {}) {
    super(scope, id, props);
    const secretsPrefix = props.secretsPrefix ?? '/bookstore';

    const amiId = new CfnParameter(this, 'AmiId', {
      type: 'AWS::EC2::Image::Id',
      description: 'Ubuntu 24.04 (or Debian 12) AMI for every instance',
    });
    const certificateArn = new CfnParameter(this, 'CertificateArn', { type: 'String', description: 'ACM certificate for the domain (HTTPS on the ALB)' });
    const domain = new CfnParameter(this, 'DomainName', { type: 'String', description: 'The shop\'s domain, e.g. shop.example.com' });
    const appInstanceType = new CfnParameter(this, 'AppInstanceType', { type: 'String', default: 't3.small' });
    const dbInstanceType = new CfnParameter(this, 'DbInstanceType', { type: 'String', default: 't3.medium' });
    const releaseRef = new CfnParameter(this, 'ReleaseRef', { type: 'String', default: 'main', description: 'git tag or branch the app instances run' });

    // The AMI comes in as a parameter, so the template works in any region without a lookup.
    const machineImage: ec2.IMachineImage = {
      getImage: () => ({ imageId: amiId.valueAsString, osType: ec2.OperatingSystemType.LINUX, userData: ec2.UserData.forLinux() }),
    };
    // Env-agnostic: CloudFormation picks two zones of the region.
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 1,
      subnetConfiguration: [
        { name: 'public', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 },
        { name: 'app', subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS, cidrMask: 24 },
      ],
    });

    // Security groups: only the ALB is public; no SSH anywhere (Session Manager instead).
    const albSg = new ec2.SecurityGroup(this, 'AlbSg', { vpc, description: 'ALB: HTTP and HTTPS from anywhere' });
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(80), 'HTTP (redirected to HTTPS)');
    albSg.addIngressRule(ec2.Peer.anyIpv4(), ec2.Port.tcp(443), 'HTTPS');
    const appSg = new ec2.SecurityGroup(this, 'AppSg', { vpc, description: 'App instances: the app port from the ALB only' });
    appSg.addIngressRule(albSg, ec2.Port.tcp(APP_PORT), 'the app port from the ALB');
    const efsSg = new ec2.SecurityGroup(this, 'EfsSg', { vpc, description: 'EFS: NFS from the app instances only', allowAllOutbound: false });
    efsSg.addIngressRule(appSg, ec2.Port.tcp(2049), 'NFS from the app');
    const haproxySg = new ec2.SecurityGroup(this, 'HaproxySg', { vpc, description: 'HAProxy: MySQL from the app only' });
    haproxySg.addIngressRule(appSg, ec2.Port.tcp(3306), 'MySQL from the app');
    const dbSg = new ec2.SecurityGroup(this, 'DbSg', { vpc, description: 'MySQL: from HAProxy, and replication between the two servers' });
    dbSg.addIngressRule(haproxySg, ec2.Port.tcp(3306), 'MySQL from HAProxy');
    dbSg.addIngressRule(dbSg, ec2.Port.tcp(3306), 'replication between primary and replica');

    // Uploads shared by every instance: encrypted EFS, a mount target in each zone.
    const uploads = new efs.FileSystem(this, 'Uploads', {
      vpc,
      encrypted: true,
      securityGroup: efsSg,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      performanceMode: efs.PerformanceMode.GENERAL_PURPOSE,
      throughputMode: efs.ThroughputMode.ELASTIC,
    });

    const ssmRole = (name: string) => {
      const role = new iam.Role(this, `${name}Role`, { assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com') });
      role.addManagedPolicy(iam.ManagedPolicy.fromAwsManagedPolicyName('AmazonSSMManagedInstanceCore'));
      role.addToPolicy(
        new iam.PolicyStatement({
          actions: ['ssm:GetParameter', 'ssm:GetParameters'],
          resources: [this.formatArn({ service: 'ssm', resource: 'parameter', resourceName: `${secretsPrefix.replace(/^\//, '')}/*` })],
        }),
      );
      return role;
    };

    // The database tier: primary, replica and HAProxy, each with its own user data.
    const dbSubnet = (index: number) => ({ subnets: [vpc.privateSubnets[index]!] });
    const database = (name: 'db-primary' | 'db-replica', index: number, serverId: number, primaryIp?: string) =>
      new ec2.Instance(this, name === 'db-primary' ? 'DbPrimary' : 'DbReplica', {
        vpc,
        vpcSubnets: dbSubnet(index),
        instanceName: name,
        instanceType: new ec2.InstanceType(dbInstanceType.valueAsString),
        machineImage,
        securityGroup: dbSg,
        role: ssmRole(name === 'db-primary' ? 'DbPrimary' : 'DbReplica'),
        requireImdsv2: true,
        blockDevices: [{ deviceName: '/dev/sda1', volume: ec2.BlockDeviceVolume.ebs(30, { encrypted: true, volumeType: ec2.EbsDeviceVolumeType.GP3 }) }],
        userData: ec2.UserData.custom(databaseUserData({ role: name === 'db-primary' ? 'primary' : 'replica', serverId, secretsPrefix, primaryIp })),
      });
    const primary = database('db-primary', 0, 1);
    const replica = database('db-replica', 1, 2, primary.instancePrivateIp);
    const haproxy = new ec2.Instance(this, 'Haproxy', {
      vpc,
      vpcSubnets: dbSubnet(0),
      instanceName: 'haproxy',
      instanceType: new ec2.InstanceType('t3.micro'),
      machineImage,
      securityGroup: haproxySg,
      role: ssmRole('Haproxy'),
      requireImdsv2: true,
      userData: ec2.UserData.custom(haproxyUserData({ primaryIp: primary.instancePrivateIp, replicaIp: replica.instancePrivateIp, secretsPrefix })),
    });

    // The app tier: a launch template (IMDSv2 only) and the Auto Scaling Group behind the ALB.
    const appRole = ssmRole('App');
    const launchTemplate = new ec2.LaunchTemplate(this, 'AppLaunchTemplate', {
      machineImage,
      instanceType: new ec2.InstanceType(appInstanceType.valueAsString),
      securityGroup: appSg,
      role: appRole,
      requireImdsv2: true,
      httpPutResponseHopLimit: 2, // the containers reach the metadata service through one more hop
      userData: ec2.UserData.custom(
        appUserData({ fileSystemId: uploads.fileSystemId, region: this.region, databaseHost: haproxy.instancePrivateIp, domain: domain.valueAsString, releaseRef: releaseRef.valueAsString, secretsPrefix }),
      ),
    });
    const asg = new autoscaling.AutoScalingGroup(this, 'AppAsg', {
      vpc,
      vpcSubnets: { subnetType: ec2.SubnetType.PRIVATE_WITH_EGRESS },
      launchTemplate,
      minCapacity: 2,
      desiredCapacity: 2,
      maxCapacity: 5,
      healthChecks: autoscaling.HealthChecks.withAdditionalChecks({ additionalTypes: [autoscaling.AdditionalHealthCheckType.ELB], gracePeriod: Duration.minutes(5) }),
    });
    asg.scaleOnCpuUtilization('Cpu50', { targetUtilizationPercent: 50 });
    uploads.connections.allowDefaultPortFrom(appSg);

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
    // endpoint by a private name, and, when the cluster's node security group is given, its nodes
    // (and so its pods) let in to HAProxy and EFS as the app instances are.
    const zone = new route53.PrivateHostedZone(this, 'InternalZone', { zoneName: INTERNAL_ZONE, vpc });
    new route53.ARecord(this, 'HaproxyRecord', { zone, recordName: HAPROXY_RECORD, target: route53.RecordTarget.fromIpAddresses(haproxy.instancePrivateIp), ttl: Duration.seconds(60) });
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
    fromClusterNodes('HaproxyFromClusterNodes', haproxySg, 3306, 'MySQL from the Kubernetes nodes');
    fromClusterNodes('EfsFromClusterNodes', efsSg, 2049, 'NFS from the Kubernetes nodes (EFS CSI driver)');

    new CfnOutput(this, 'HaproxyDns', { value: `${HAPROXY_RECORD}.${INTERNAL_ZONE}`, description: 'The database endpoint for k8s/overlays/aws' });
    new CfnOutput(this, 'LoadBalancerDns', { value: alb.loadBalancerDnsName, description: 'Point the domain (CNAME or alias) here' });
    new CfnOutput(this, 'UploadsFileSystem', { value: uploads.fileSystemId });
    new CfnOutput(this, 'Zones', { value: Fn.join(',', vpc.availabilityZones) });
  }
}
