// One pod of the rendered manifests as a Docker container on the runner's network, as the kubelet
// runs it: its volumes made (fsGroup applied), initContainers run to completion first, the main
// container restarted when it exits (restartPolicy Always), and stopped with preStop, then SIGTERM,
// then SIGKILL once terminationGracePeriodSeconds is spent.
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { docker, dockerOk } from '../docker/lib.js';
import type { ContainerPlan, PodPlan } from './pod-spec.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Pod {
  readonly container: string;
  ip = '';
  ready = false;
  terminating = false;
  restarts = 0;
  private stopping = false;
  /** Called when the main container exits by itself (the kubelet restarts it). */
  onExit: () => void = () => undefined;

  constructor(
    readonly plan: PodPlan,
    readonly labels: Record<string, string>,
    readonly network: string,
    readonly aliases: string[],
    prefix: string,
  ) {
    this.container = `${prefix}${plan.name}`;
  }

  get name(): string {
    return this.plan.name;
  }

  /** Volumes and ConfigMap files; the group of each named volume set to fsGroup as the kubelet does. */
  async prepare(): Promise<void> {
    for (const d of this.plan.configMapDirs) {
      mkdirSync(d.dir, { recursive: true, mode: 0o755 });
      chmodSync(d.dir, 0o755);
      for (const [file, text] of Object.entries(d.files)) writeFileSync(`${d.dir}/${file}`, text, { mode: d.mode });
    }
    for (const v of this.plan.namedVolumes) {
      await dockerOk(['volume', 'create', v]);
      if (this.plan.fsGroup === undefined) continue;
      const g = String(this.plan.fsGroup);
      const fix = `chgrp -R ${g} /v && chmod -R g+rwX /v && find /v -type d -exec chmod g+s {} +`;
      await dockerOk(['run', '--rm', '--network', 'none', '--user', '0', '--entrypoint', 'sh', '-v', `${v}:/v`, this.plan.main.image, '-c', fix]);
    }
    for (const c of [...this.plan.init, this.plan.main]) if (c.checkImageUser) await checkNonRoot(c);
  }

  /** initContainers one after another (each must succeed), then the main container. */
  async start(): Promise<void> {
    for (const c of this.plan.init) {
      const r = await docker(['run', '--rm', '--name', `${this.container}-init-${c.name}`, '--network', this.network, ...c.flags, c.image, ...c.args], { timeoutMs: 10 * 60_000 });
      if (r.status !== 0) throw new Error(`${this.name}: initContainer ${c.name} exited ${r.status}:\n${r.stderr.slice(-2000)}`);
    }
    const c = this.plan.main;
    const aliases = this.aliases.flatMap((a) => ['--network-alias', a]);
    await dockerOk(['run', '-d', '--name', this.container, '--hostname', this.name, '--network', this.network, ...aliases, ...c.flags, c.image, ...c.args]);
    await this.afterStart();
  }

  private async afterStart(): Promise<void> {
    this.ip = await dockerOk(['inspect', '--format', `{{(index .NetworkSettings.Networks "${this.network}").IPAddress}}`, this.container]);
    this.stopping = false;
    void docker(['wait', this.container], { timeoutMs: 24 * 3600_000 }).then(() => {
      if (!this.stopping && !this.terminating) this.onExit();
    });
  }

  /** preStop (its time counts against the grace period), then SIGTERM, then SIGKILL when the grace period is spent. */
  async stop(): Promise<void> {
    this.stopping = true;
    const started = Date.now();
    const pre = this.plan.main.preStop;
    if (pre && 'exec' in pre) await docker(['exec', this.container, ...pre.exec], { timeoutMs: this.plan.graceSeconds * 1000 });
    else if (pre) await sleep(Math.min(pre.sleep, this.plan.graceSeconds) * 1000);
    const left = Math.max(1, Math.ceil(this.plan.graceSeconds - (Date.now() - started) / 1000));
    await docker(['stop', '-t', String(left), this.container], { timeoutMs: (left + 30) * 1000 });
  }

  /** The container restarted in place (same pod: volumes kept, initContainers not run again). */
  async restart(): Promise<void> {
    if (!this.stopping) await this.stop();
    this.restarts += 1;
    await dockerOk(['start', this.container]);
    await this.afterStart();
  }

  async logs(tail = 40): Promise<string> {
    const r = await docker(['logs', '--tail', String(tail), this.container]);
    return r.stdout + r.stderr;
  }

  async remove(): Promise<void> {
    this.stopping = true;
    await docker(['rm', '-f', '-v', this.container]);
  }
}

/** runAsNonRoot without runAsUser: the image's USER must be a non-zero number, or the kubelet refuses. */
async function checkNonRoot(c: ContainerPlan): Promise<void> {
  const user = await dockerOk(['image', 'inspect', '--format', '{{.Config.User}}', c.image]);
  const uid = user.split(':')[0] ?? '';
  if (!/^\d+$/.test(uid) || uid === '0') throw new Error(`${c.name}: runAsNonRoot, and the image's user "${user}" is not a non-zero uid`);
}
