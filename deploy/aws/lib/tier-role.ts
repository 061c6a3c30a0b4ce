// One IAM role per tier. Every role gets Session Manager, the right to signal CloudFormation for
// its own stack, read access to the host tools, and its own log group; each tier's own SSM
// parameters and extra rights are added by the caller. Nothing else: the app's role cannot read
// the replication password, HAProxy's no secret at all.
import { type Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3assets from 'aws-cdk-lib/aws-s3-assets';

export interface Tier {
  role: iam.Role;
  logGroup: logs.LogGroup;
}

/** The ARN of one SSM parameter (name with its leading slash), or of a path with `/*`. */
export function parameterArn(stack: Stack, name: string): string {
  return stack.formatArn({ service: 'ssm', resource: 'parameter', resourceName: name.replace(/^\//, '') });
}

export function tierRole(stack: Stack, id: string, o: { tools: s3assets.Asset; logGroupName: string; readsParameters: string[] }): Tier {
  const role = new iam.Role(stack, `${id}Role`, {
    assumedBy: new iam.ServicePrincipal('ec2.amazonaws.com'),
    description: `BookStore ${id} instances`,
  });
  // Session Manager, and only that: AWS's AmazonSSMManagedInstanceCore would also allow
  // ssm:GetParameter on every parameter, every tier's secrets included. These are the actions AWS
  // documents for a Session Manager-only instance role.
  role.addToPolicy(
    new iam.PolicyStatement({
      actions: ['ssm:UpdateInstanceInformation', 'ssmmessages:CreateControlChannel', 'ssmmessages:CreateDataChannel', 'ssmmessages:OpenControlChannel', 'ssmmessages:OpenDataChannel'],
      resources: ['*'],
    }),
  );
  role.addToPolicy(new iam.PolicyStatement({ actions: ['ssm:GetParameter'], resources: o.readsParameters.map((name) => parameterArn(stack, name)) }));
  role.addToPolicy(new iam.PolicyStatement({ actions: ['cloudformation:SignalResource'], resources: [stack.stackId] }));
  o.tools.grantRead(role);
  const logGroup = new logs.LogGroup(stack, `${id}Logs`, { logGroupName: o.logGroupName, retention: logs.RetentionDays.ONE_MONTH });
  logGroup.grantWrite(role);
  role.addToPolicy(new iam.PolicyStatement({ actions: ['logs:DescribeLogStreams'], resources: [logGroup.logGroupArn] }));
  return { role, logGroup };
}
