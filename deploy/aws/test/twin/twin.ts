// The EC2 twin's machinery: synthesise the stack, take each instance's user data from the template
// with CloudFormation's intrinsic functions resolved to local values, and boot it in a Debian 12
// container with systemd and cloud-init (twin/Dockerfile) on a Docker network that mirrors the VPC.
// Containers and the network are named awstwin-*; everything is removed at the end.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
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
const twinDir = new URL('../../twin/', import.meta.url).pathname;

export const docker = async (...args: string[]) => (await run('docker', args, { maxBuffer: 16 << 20 })).stdout;
export const dockerSync = (...args: string[]) => execFileSync('docker', args, { encoding: 'utf8', maxBuffer: 16 << 20 });

type Cfn = { Type: string; Properties: Record<string, any> };
export interface Instance {
  logicalId: string;
  /** The Name tag: db-primary, db-replica, haproxy. */
  name: string;
  container: string;
  ip: string;
  userData: string;
}

/** The stack synthesised (with a stand-in release tarball), its template and its cloud assembly folder. */
export function synth(dir: string) {
  const release = join(dir, 'bookstore.tar.gz');
  writeFileSync(release, 'the DB-tier twin boots no app instance');
  const app = new App({ outdir: join(dir, 'cdk.out') });
  new BookStoreStack(app, STACK, { releaseTarball: release });
  const assembly = app.synth();
  const template = JSON.parse(readFileSync(join(assembly.directory, `${STACK}.template.json`), 'utf8')) as { Resources: Record<string, Cfn> };
  return { template, assemblyDir: assembly.directory };
}

/** Resolves the intrinsic functions user data uses, with local values. */
export function resolver(template: { Resources: Record<string, Cfn> }, ips: Record<string, string>) {
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
    }
    if ('Fn::Sub' in o && typeof o['Fn::Sub'] === 'string') return sub(o['Fn::Sub']);
    if ('Fn::GetAtt' in o && o['Fn::GetAtt'][1] === 'PrivateIp' && ips[o['Fn::GetAtt'][0]]) return ips[o['Fn::GetAtt'][0]]!;
    if ('Fn::Join' in o) return o['Fn::Join'][1].map(resolve).join(o['Fn::Join'][0]);
    throw new Error(`the twin cannot resolve ${JSON.stringify(v)}`);
  };
  return resolve;
}

/** The cloud assembly's staged copy of a directory asset, zipped as cdk-assets uploads it, into the S3 stand-in. */
export function publishAsset(assemblyDir: string, s3Url: string, s3Root: string) {
  const key = s3Url.replace(/^s3:\/\//, '');
  const hash = key.split('/').pop()!.replace(/\..*$/, '');
  const staged = join(assemblyDir, `asset.${hash}`);
  if (!existsSync(staged)) throw new Error(`no staged asset ${staged}`);
  mkdirSync(join(s3Root, key, '..'), { recursive: true });
  execFileSync('zip', ['-qr', join(s3Root, key), '.'], { cwd: staged });
}

export async function buildImage() {
  await docker('build', '-q', '-t', IMAGE, twinDir);
}

export async function createNetwork() {
  await docker('network', 'rm', NETWORK).catch(() => undefined);
  await docker('network', 'create', '--subnet', '10.0.0.0/16', '--gateway', '10.0.0.1', NETWORK);
}

export async function boot(i: Instance, dir: string, twin: string) {
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
    IMAGE,
  );
}

export const exec = async (container: string, ...cmd: string[]) => docker('exec', container, ...cmd);

export async function cleanup(containers: string[], dir: string) {
  for (const c of containers) await docker('rm', '-f', c).catch(() => undefined);
  await docker('network', 'rm', NETWORK).catch(() => undefined);
  if (process.env.AWSTWIN_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
}

export function tempDir() {
  return mkdtempSync(join(tmpdir(), 'awstwin-'));
}

export const listDir = (d: string) => (existsSync(d) ? readdirSync(d) : []);
