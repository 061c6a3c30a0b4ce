// Helpers for the container tests (test/docker/*.docker.ts, `npm run test:docker`): the docker and
// docker-compose command lines against the engine in DOCKER_HOST (the private stand-in engine of
// ../shared/standins by default), and a record of everything a suite starts so `after` removes it.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import { randomBytes } from 'node:crypto';
import { ROOT, sleep } from '../deploy/lib.js';

export { ROOT };
const STANDIN_SOCKET = `${process.env.STANDINS_DIR ?? '/tmp/standins'}/docker/docker.sock`;
export const DOCKER_HOST = process.env.DOCKER_HOST ?? `unix://${STANDIN_SOCKET}`;
const ENV = { ...process.env, DOCKER_HOST, DOCKER_BUILDKIT: '0', COMPOSE_DOCKER_CLI_BUILD: '0' };

export interface Out {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (async, so the test's timers and HTTP clients keep running). */
export function exec(cmd: string, args: string[], opts: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {}): Promise<Out> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env: { ...ENV, ...opts.env }, cwd: opts.cwd ?? ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 120_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
    child.stdin.end(opts.input ?? '');
  });
}

export const docker = (args: string[], opts: Parameters<typeof exec>[2] = {}) => exec('docker', args, opts);

/** Like docker(), but a non-zero exit throws with its output. */
export async function dockerOk(args: string[], opts: Parameters<typeof exec>[2] = {}): Promise<string> {
  const r = await docker(args, opts);
  if (r.status !== 0) throw new Error(`docker ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(-3000)}${r.stdout.slice(-2000)}`);
  return r.stdout.trim();
}

/** Why the suite cannot run (no engine), or false. In CI a missing engine is a failure, not a skip. */
export function engineMissing(suite = 'test:docker'): string | false {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { env: ENV, encoding: 'utf8', timeout: 20_000 });
  if (r.status === 0) return false;
  const why = `no Docker engine at ${DOCKER_HOST} (start one: ../shared/standins/dockerd.sh start; see the README's ${suite})`;
  if (process.env.CI === 'true') throw new Error(why);
  return why;
}

/** A name unique to this run, for containers, networks, volumes and compose projects. */
export function scratchName(what: string): string {
  return `bookstore-test-${what}-${randomBytes(3).toString('hex')}`;
}

/** Builds an image from the checkout (layer cache on: a second build of unchanged code takes seconds). */
export async function build(tag: string, opts: { file?: string; target?: string } = {}): Promise<void> {
  const args = ['build', '-q', '-t', tag];
  if (opts.file) args.push('-f', opts.file);
  if (opts.target) args.push('--target', opts.target);
  await dockerOk([...args, '.'], { timeoutMs: 20 * 60_000 });
}

export async function imageSizeMb(tag: string): Promise<number> {
  return Math.round(Number(await dockerOk(['image', 'inspect', '--format', '{{.Size}}', tag])) / 1e6);
}

/** Polls `docker inspect` until the container's health is `healthy` (throws on `unhealthy` or an exit). */
export async function waitHealthy(container: string, timeoutMs = 120_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const state = await dockerOk(['inspect', '--format', '{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{end}}', container]);
    if (state === 'running healthy') return;
    if (!state.startsWith('running') || state.endsWith('unhealthy') || Date.now() > until) {
      const logs = await docker(['logs', '--tail', '40', container]);
      throw new Error(`${container} is "${state}":\n${logs.stdout}${logs.stderr}`);
    }
    await sleep(1000);
  }
}

/** Containers, networks and volumes a suite made, removed (in that order) by cleanup(). */
export class Scratch {
  private containers: string[] = [];
  private networks: string[] = [];
  private volumes: string[] = [];

  async network(): Promise<string> {
    const name = scratchName('net');
    await dockerOk(['network', 'create', name]);
    this.networks.push(name);
    return name;
  }

  volume(): string {
    const name = scratchName('vol');
    this.volumes.push(name);
    return name;
  }

  /** `docker run -d` with the given flags; returns the container's name. */
  async run(image: string, flags: string[], cmd: string[] = []): Promise<string> {
    const name = scratchName('c');
    this.containers.push(name);
    await dockerOk(['run', '-d', '--name', name, ...flags, image, ...cmd]);
    return name;
  }

  async cleanup(): Promise<void> {
    if (this.containers.length) await docker(['rm', '-f', '-v', ...this.containers]);
    for (const n of this.networks) await docker(['network', 'rm', n]);
    if (this.volumes.length) await docker(['volume', 'rm', '-f', ...this.volumes]);
    this.containers = [];
    this.networks = [];
    this.volumes = [];
  }
}

/** docker-compose (v1, as CI has; `docker compose` v2 takes the same arguments) on one scratch project. */
export class ComposeProject {
  readonly name: string;
  constructor(
    readonly file: string,
    readonly env: Record<string, string>,
  ) {
    this.name = scratchName(file.replace(/^docker-compose\.?|\.yml$/g, '') || 'compose');
  }

  run(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<Out> {
    return exec('docker-compose', ['-p', this.name, '-f', this.file, ...args], { ...opts, env: this.env });
  }

  async ok(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
    const r = await this.run(args, opts);
    if (r.status !== 0) throw new Error(`docker-compose ${args.join(' ')} exited ${r.status}:\n${r.stderr.slice(-4000)}${r.stdout.slice(-2000)}`);
    return r.stdout;
  }

  /** The container id of a service. */
  async container(service: string): Promise<string> {
    return (await this.ok(['ps', '-q', service])).trim();
  }

  async logs(): Promise<string> {
    return (await this.run(['logs', '--no-color', '--tail', '60'])).stdout;
  }

  async down(): Promise<void> {
    await this.run(['down', '-v', '--remove-orphans', '-t', '5'], { timeoutMs: 180_000 });
  }

  /** `up -d --build` as the README says; on failure the services' last log lines are printed first. */
  async up(): Promise<void> {
    try {
      await this.ok(['up', '-d', '--build'], { timeoutMs: 20 * 60_000 });
    } catch (e) {
      console.log(await this.logs());
      throw e;
    }
  }

  /** What the project left after `down -v`, as docker lists it: containers and volumes (none expected). */
  async leftovers(): Promise<string> {
    const label = `label=com.docker.compose.project=${this.name}`;
    const containers = await docker(['ps', '-a', '-q', '--filter', label]);
    const volumes = await docker(['volume', 'ls', '-q', '--filter', label]);
    return `${containers.stdout.trim()}${volumes.stdout.trim()}`;
  }
}

export function readText(rel: string): string {
  return fs.readFileSync(`${ROOT}/${rel}`, 'utf8');
}
