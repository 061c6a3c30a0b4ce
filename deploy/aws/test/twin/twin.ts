// The EC2 twin's machinery: synthesise the stack, take each instance's (and the launch template's)
// user data from the template with CloudFormation's intrinsic functions resolved to local values,
// and boot it in a Debian 12 container with systemd and cloud-init (twin/Dockerfile) on a Docker
// network that mirrors the VPC. Containers and the network are named awstwin-*; everything is
// removed at the end.
import { execFile, execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { App } from 'aws-cdk-lib';
import { BookStoreStack } from '../../lib/bookstore-stack.ts';

const run = promisify(execFile);
export const REGION = 'twin-region-1';
export const ACCOUNT = '123456789012';
export const STACK = 'BookStore';
export const NETWORK = 'awstwin-vpc';
export const IMAGE = 'awstwin-instance:latest';
/** The stack's parameters as the twin deploys it (the others keep their defaults). */
export const PARAMETERS: Record<string, string> = { PublicUrl: 'https://10.0.0.100', MailFrom: 'BookStore <no-reply@bookstore.local>' };
/** The EFS file system's id and the internal NLB's DNS name, as CloudFormation would return them. */
export const FILE_SYSTEM_ID = 'fs-0a1b2c3d4e5f60718';
export const NLB_DNS = 'BookStore-DbNlb-0123456789.elb.twin-region-1.amazonaws.com';
const twinDir = new URL('../../twin/', import.meta.url).pathname;

export const docker = async (...args: string[]) => (await run('docker', args, { maxBuffer: 16 << 20 })).stdout;

type Cfn = { Type: string; Properties: Record<string, any> };
export type Template = { Resources: Record<string, Cfn> };
export interface Instance {
  logicalId: string;
  /** The Name tag: db-primary, db-replica, haproxy; app for the launch template's instances. */
  name: string;
  container: string;
  ip: string;
  userData: string;
}

/** The stack synthesised with the given release tarball: its template and its cloud assembly folder. */
export function synth(dir: string, releaseTarball: string) {
  const app = new App({ outdir: join(dir, `cdk.out-${Date.now()}`) });
  new BookStoreStack(app, STACK, { releaseTarball });
  const assembly = app.synth();
  const template = JSON.parse(readFileSync(join(assembly.directory, `${STACK}.template.json`), 'utf8')) as Template;
  return { template, assemblyDir: assembly.directory };
}

export const resourcesOf = (template: Template, type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

/** Resolves the intrinsic functions user data uses, with local values. */
export function resolver(template: Template, ips: Record<string, string>) {
  const sub = (s: string) => s.replaceAll('${AWS::AccountId}', ACCOUNT).replaceAll('${AWS::Region}', REGION).replaceAll('${AWS::URLSuffix}', 'amazonaws.com');
  const resolve = (v: unknown): string => {
    if (typeof v === 'string') return v;
    const o = v as Record<string, any>;
    if ('Ref' in o) {
      if (o.Ref === 'AWS::Region') return REGION;
      if (o.Ref === 'AWS::StackName') return STACK;
      if (o.Ref === 'AWS::AccountId') return ACCOUNT;
      const r = template.Resources[o.Ref];
      if (r?.Type === 'AWS::Logs::LogGroup') return r.Properties.LogGroupName;
      if (r?.Type === 'AWS::S3::Bucket') return `twin-${o.Ref.toLowerCase()}`;
      if (r?.Type === 'AWS::EFS::FileSystem') return FILE_SYSTEM_ID;
      if (PARAMETERS[o.Ref] !== undefined) return PARAMETERS[o.Ref]!;
    }
    const getAtt = o['Fn::GetAtt'] as [string, string] | undefined;
    if (getAtt && getAtt[1] === 'DNSName' && template.Resources[getAtt[0]]?.Properties.Type === 'network') return NLB_DNS;
    if (getAtt && getAtt[1] === 'CidrBlock' && template.Resources[getAtt[0]]?.Type === 'AWS::EC2::VPC') return template.Resources[getAtt[0]]!.Properties.CidrBlock;
    if ('Fn::Sub' in o && typeof o['Fn::Sub'] === 'string') return sub(o['Fn::Sub']);
    if ('Fn::GetAtt' in o && o['Fn::GetAtt'][1] === 'PrivateIp' && ips[o['Fn::GetAtt'][0]]) return ips[o['Fn::GetAtt'][0]]!;
    if ('Fn::Join' in o) return o['Fn::Join'][1].map(resolve).join(o['Fn::Join'][0]);
    throw new Error(`the twin cannot resolve ${JSON.stringify(v)}`);
  };
  return resolve;
}

/**
 * An asset of the cloud assembly into the S3 stand-in as cdk-assets publishes it (its manifest,
 * STACK.assets.json, names the staged source and its packaging): a directory zipped, a file as it is.
 */
export function publishAsset(assemblyDir: string, s3Url: string, s3Root: string) {
  const key = s3Url.replace(/^s3:\/\//, '');
  const objectKey = key.split('/').pop()!;
  type Entry = { source: { path: string; packaging: 'file' | 'zip' }; destinations: Record<string, { objectKey: string }> };
  const manifest = JSON.parse(readFileSync(join(assemblyDir, `${STACK}.assets.json`), 'utf8')) as { files: Record<string, Entry> };
  const entry = Object.values(manifest.files).find((f) => Object.values(f.destinations).some((d) => d.objectKey === objectKey));
  if (!entry) throw new Error(`no asset for ${s3Url} in ${assemblyDir}`);
  const staged = join(assemblyDir, entry.source.path);
  mkdirSync(join(s3Root, key, '..'), { recursive: true });
  if (entry.source.packaging === 'zip') execFileSync('zip', ['-qr', join(s3Root, key), '.'], { cwd: staged });
  else copyFileSync(staged, join(s3Root, key));
}

export async function buildImage() {
  await docker('build', '-q', '-t', IMAGE, twinDir);
}

/** Extra docker run arguments for an instance: host names (-add-host) and volumes. */
export interface BootOptions {
  hosts?: Record<string, string>;
  volumes?: string[];
}

export async function createNetwork() {
  await docker('network', 'rm', NETWORK).catch(() => undefined);
  await docker('network', 'create', '--subnet', '10.0.0.0/16', '--gateway', '10.0.0.1', NETWORK);
}

export async function boot(i: Instance, dir: string, twin: string, options: BootOptions = {}) {
  const seed = join(dir, `seed-${i.container}`);
  mkdirSync(seed, { recursive: true });
  writeFileSync(join(seed, 'user-data'), i.userData);
  writeFileSync(join(seed, 'meta-data'), `instance-id: i-${i.container}\nlocal-hostname: ${i.container}\n`);
  await docker('rm', '-f', i.container).catch(() => undefined);
  await docker(
    'run', '-d', '--name', i.container, '--hostname', i.container, '--network', NETWORK, '--ip', i.ip,
    '--cap-add', 'SYS_ADMIN', '--cap-add', 'NET_ADMIN', '--security-opt', 'seccomp=unconfined',
    '-v', '/sys/fs/cgroup:/sys/fs/cgroup:ro', '--tmpfs', '/run', '--tmpfs', '/run/lock',
    '-v', `${seed}:/var/lib/cloud/seed/nocloud:ro`, '-v', `${twin}:/twin`,
    '--add-host', `s3.${REGION}.amazonaws.com:127.0.0.1`,
    '--add-host', `amazoncloudwatch-agent-${REGION}.s3.${REGION}.amazonaws.com:127.0.0.1`,
    ...Object.entries(options.hosts ?? {}).flatMap(([host, ip]) => ['--add-host', `${host}:${ip}`]),
    ...(options.volumes ?? []).flatMap((v) => ['-v', v]),
    IMAGE,
  );
}

export const exec = async (container: string, ...cmd: string[]) => docker('exec', container, ...cmd);

export async function cleanup(containers: string[], dir: string) {
  for (const c of containers) await docker('rm', '-f', c).catch(() => undefined);
  await docker('network', 'rm', NETWORK).catch(() => undefined);
  if (process.env.AWSTWIN_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
}
