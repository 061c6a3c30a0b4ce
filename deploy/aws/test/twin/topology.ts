// The whole stack as the twin deploys it, once per test file: the stack synthesised with the real
// release tarball, the stand-ins' state (the SSM parameters an operator puts, the assets cdk-assets
// would upload, EC2's view of the instances), the load balancers' stand-in, the database tier's
// instances booted first and the Auto Scaling Group's two app instances after them (CloudFormation's
// order: the group depends on the database tier), each from its synthesised user data. Also what
// the group does later: launch an instance from the launch template, take one out.
import { execFileSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { albSettings, deregisterTarget, ELB_IP, registerTarget, renderElb, startElb, type AlbSettings } from './elb.ts';
import { boot, buildImage, createNetwork, docker, exec, FILE_SYSTEM_ID, IMAGE, type Instance, NLB_DNS, publishAsset, resolver, resourcesOf, synth, type Template } from './twin.ts';

export const BOOT_TIMEOUT_MS = 15 * 60_000;
/** The app's database password, as the operator's command put it in SSM (read after deployStack). */
export const secrets = { app: '' };
const docs = new URL('../../../../docs/scale-out.md', import.meta.url).pathname;
export const BASE = `https://${ELB_IP}`;

// The VPC's private subnets are 10.0.2.0/24 (zone a) and 10.0.3.0/24 (zone b).
const dbPlacement: Record<string, { container: string; ip: string }> = {
  DbPrimary: { container: 'awstwin-db-primary', ip: '10.0.2.10' },
  HaproxyA: { container: 'awstwin-haproxy-a', ip: '10.0.2.20' },
  DbReplica: { container: 'awstwin-db-replica', ip: '10.0.3.10' },
  HaproxyB: { container: 'awstwin-haproxy-b', ip: '10.0.3.20' },
};
/** The app instances the group may launch, alternating zones as it balances them. */
export const appSlots = { 'app-a1': '10.0.2.30', 'app-b1': '10.0.3.30', 'app-a2': '10.0.2.31', 'app-b2': '10.0.3.31' } as const;
export type AppSlot = keyof typeof appSlots;
export const container = (slot: string) => `awstwin-${slot}`;

export interface Stack {
  dir: string;
  twin: string;
  ca: Buffer;
  alb: AlbSettings;
  instances: Instance[];
  /** The ASG's logical id, which the app instances signal. */
  asg: string;
  /** The launch template's user data of the current release. */
  appUserData: string;
  /** Re-synthesises with another release tarball and publishes it: the launch template's new version. */
  newRelease(tarball: string): void;
  /** The group launches an instance in a slot: booted, signalled, registered and healthy. */
  launchApp(slot: AppSlot): Promise<Instance>;
  /** The group takes an instance out: deregistered, the delay waited, the instance stopped. */
  takeOutApp(slot: AppSlot): Promise<void>;
  signals(): string[];
  stop(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function deployStack(releaseTarball: string): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), 'awstwin-'));
  const twin = join(dir, 'twin');
  const signals = () => (existsSync(join(twin, 'signals.log')) ? readFileSync(join(twin, 'signals.log'), 'utf8').trim().split('\n').filter(Boolean) : []);
  const instances: Instance[] = [];
  let { template, assemblyDir } = synth(dir, releaseTarball);
  const ids = Object.fromEntries(Object.keys(dbPlacement).map((prefix) => [resourcesOf(template, 'AWS::EC2::Instance').find(([id]) => id.startsWith(prefix))![0], prefix]));
  const ips = Object.fromEntries(Object.entries(ids).map(([id, prefix]) => [id, dbPlacement[prefix]!.ip]));
  const asg = resourcesOf(template, 'AWS::AutoScaling::AutoScalingGroup')[0]![0];
  const appUserData = (t: Template) => resolver(t, ips)(resourcesOf(t, 'AWS::EC2::LaunchTemplate')[0]![1].Properties.LaunchTemplateData.UserData['Fn::Base64']);
  const publish = (userData: string, assembly: string) => {
    for (const url of ['TOOLS_URL', 'RELEASE_URL']) {
      const s3 = new RegExp(`${url}='([^']+)'`).exec(userData)?.[1];
      if (s3) publishAsset(assembly, s3, join(twin, 's3'));
    }
  };

  const resolve = resolver(template, ips);
  for (const [logicalId, prefix] of Object.entries(ids)) {
    const r = template.Resources[logicalId]!;
    const name = (r.Properties.Tags as { Key: string; Value: string }[]).find((t) => t.Key === 'Name')!.Value;
    instances.push({ logicalId, name, ...dbPlacement[prefix]!, userData: resolve(r.Properties.UserData['Fn::Base64']) });
  }
  // The parameters the stack creates (those an operator puts come below, by the documented command).
  for (const [name, value] of [
    ['bookstore/topology/writer', 'db-primary'],
    ['bookstore/topology/standby', 'db-replica'],
  ]) {
    mkdirSync(join(twin, 'ssm', name!, '..'), { recursive: true });
    writeFileSync(join(twin, 'ssm', name!), value!);
  }
  let currentUserData = appUserData(template);
  publish(instances[0]!.userData, assemblyDir);
  publish(currentUserData, assemblyDir);
  mkdirSync(join(twin, 'ec2', 'stopped'), { recursive: true });
  mkdirSync(join(dir, 'efs', FILE_SYSTEM_ID), { recursive: true });
  const describe = () => writeFileSync(join(twin, 'ec2', 'instances'), instances.map((i) => `${i.name} ${i.ip} i-${i.container}`).join('\n') + '\n');
  describe();
  appendFileSync(join(twin, 'calls.log'), '');

  // What EC2 does for stop-instances: the container stopped, the instance marked stopped.
  const handled = new Set<string>();
  const stopper = setInterval(() => {
    const file = join(twin, 'ec2', 'stop-requests');
    if (!existsSync(file)) return;
    for (const id of readFileSync(file, 'utf8').split('\n').filter(Boolean)) {
      if (handled.has(id)) continue;
      handled.add(id);
      docker('stop', '-t', '5', id.replace(/^i-/, ''))
        .catch(() => undefined)
        .then(() => writeFileSync(join(twin, 'ec2', 'stopped', id), ''));
    }
  }, 500);

  const alb = albSettings(template);
  const haproxies = { 'haproxy-a': dbPlacement.HaproxyA!.ip, 'haproxy-b': dbPlacement.HaproxyB!.ip };
  await buildImage();
  // docs/scale-out.md, "Deploy", step 2: the secrets put in Parameter Store, by the command written there.
  const putSecrets = /^ *(for name in app\/session-secret[^\n]*\n[^\n]*\n *done)$/m.exec(readFileSync(docs, 'utf8'))?.[1];
  if (!putSecrets) throw new Error('docs/scale-out.md has no secrets command (step 2)');
  await docker('run', '--rm', '--hostname', 'operator', '-v', `${twin}:/twin`, IMAGE, 'bash', '-euc', putSecrets);
  secrets.app = readFileSync(join(twin, 'ssm', 'bookstore', 'app', 'db-password'), 'utf8').trim();
  await createNetwork();
  const { ca } = await startElb(dir, renderElb(alb, appSlots, haproxies));
  const signalled = async (list: Instance[], resource: (i: Instance) => string) => {
    const deadline = Date.now() + BOOT_TIMEOUT_MS;
    const done = () => list.every((i) => signals().some((s) => s.startsWith(`${resource(i)} i-${i.container} `)));
    while (!done() && Date.now() < deadline) await sleep(3000);
  };
  await Promise.all(instances.map((i) => boot(i, dir, twin)));
  await signalled(instances, (i) => i.logicalId);

  const launchApp = async (slot: AppSlot) => {
    const i: Instance = { logicalId: asg, name: 'app', container: container(slot), ip: appSlots[slot], userData: currentUserData };
    instances.push(i);
    describe();
    // The app instances' own hosts: the NLB's DNS name, and EFS as the shared folder.
    await boot(i, dir, twin, { hosts: { [NLB_DNS]: ELB_IP }, volumes: [`${join(dir, 'efs')}:/awstwin-efs`] });
    await signalled([i], () => asg);
    if (signals().some((s) => s === `${asg} i-${i.container} SUCCESS`)) await registerTarget(slot);
    return i;
  };
  // The group's first two instances, one per zone.
  await Promise.all([launchApp('app-a1'), launchApp('app-b1')]);

  return {
    dir,
    twin,
    ca,
    alb,
    instances,
    asg,
    get appUserData() {
      return currentUserData;
    },
    newRelease(tarball: string) {
      ({ template, assemblyDir } = synth(dir, tarball));
      currentUserData = appUserData(template);
      publish(currentUserData, assemblyDir);
    },
    launchApp,
    async takeOutApp(slot: AppSlot) {
      await deregisterTarget(slot);
      await sleep(alb.app.deregistrationDelay * 1000);
      await docker('stop', '-t', '30', container(slot));
    },
    signals,
    stop: () => clearInterval(stopper),
  };
}

/** A copy of a release tarball with one file more: another release, another asset hash. */
export function repackRelease(tarball: string, dir: string, note: string) {
  const unpacked = join(dir, 'release-next');
  mkdirSync(unpacked, { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', unpacked]);
  writeFileSync(join(unpacked, 'RELEASE'), `${note}\n`);
  const out = join(dir, 'bookstore-next.tar.gz');
  execFileSync('tar', ['-czf', out, '-C', unpacked, '--owner=0', '--group=0', '.']);
  return out;
}

export { exec };

/** One statement as root on a database host (the mariadb client there, over its socket). */
export const sql = async (host: string, statement: string) => (await exec(host, 'mariadb', '--batch', '--skip-column-names', '-e', statement)).trim();

