// The docker command line for the k8s runner (test/k8s-run), against the engine in DOCKER_HOST (the
// private stand-in engine of ../shared/standins by default). Async, so probes and clients keep running.
import { spawn, spawnSync } from 'node:child_process';

export const DOCKER_HOST = process.env.DOCKER_HOST ?? `unix://${process.env.STANDINS_DIR ?? '/tmp/standins'}/docker/docker.sock`;
const ENV = { ...process.env, DOCKER_HOST, DOCKER_BUILDKIT: '0' };

export interface Out {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function docker(args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<Out> {
  return new Promise((resolve, reject) => {
    const child = spawn('docker', args, { env: ENV, stdio: ['pipe', 'pipe', 'pipe'] });
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

/** Like docker(), but a non-zero exit throws with its output. */
export async function dockerOk(args: string[], opts: { timeoutMs?: number; input?: string } = {}): Promise<string> {
  const r = await docker(args, opts);
  if (r.status !== 0) throw new Error(`docker ${args.slice(0, 6).join(' ')} exited ${r.status}:\n${r.stderr.slice(-3000)}${r.stdout.slice(-1000)}`);
  return r.stdout.trim();
}

/** Why the suite cannot run (no engine), or false. In CI a missing engine is a failure, not a skip. */
export function engineMissing(): string | false {
  const r = spawnSync('docker', ['info', '--format', '{{.ServerVersion}}'], { env: ENV, encoding: 'utf8', timeout: 20_000 });
  if (r.status === 0) return false;
  const why = `no Docker engine at ${DOCKER_HOST} (start one: ../shared/standins/dockerd.sh start; see the README's test:k8s)`;
  if (process.env.CI === 'true') throw new Error(why);
  return why;
}
