/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- rendered YAML is untyped data, checked field by field */
// The rendered local overlay run as a one-node cluster of Docker containers: the images it names
// (ours built from Dockerfile.services), the Secret made as docs/services.md says, StatefulSets,
// then Jobs, then Deployments (replicas, or the HPA's minReplicas), each Service a network alias of
// its pods, and in front the nginx that scripts/ingress-nginx.mjs generates from the rendered
// Ingresses, routing to ready pods only. `kubectl rollout restart` as the Deployment's strategy says.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { documentedSecrets, type K8sObject } from '../k8s/render.js';
import { docker, dockerOk } from '../docker/lib.js';
import { FrontProxy } from './front-proxy.js';
import { namespaceOf, only, planPod } from './pod-spec.js';
import { Pod } from './pods.js';
import { Prober, type ProbeCounts } from './probes.js';
/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is untyped data */
type Spec = Record<string, any>;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const VERSION = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
const matches = (selector: Record<string, string>, labels: Record<string, string>) => Object.entries(selector).every(([k, v]) => labels[k] === v);

export class Cluster {
  readonly pods: Pod[] = [];
  readonly probers = new Map<Pod, Prober>();
  readonly network: string;
  readonly dir = mkdtempSync(join(tmpdir(), 'k8srun-'));
  readonly objs: K8sObject[];
  started = 0;
  /** What happened to pods, in order: `ready <pod>`, `unready <pod>`, `preStop <pod>`. */
  readonly events: string[] = [];
  private proxy?: FrontProxy;

  constructor(
    readonly renderedText: string,
    readonly prefix = 'k8srun-',
  ) {
    chmodSync(this.dir, 0o711); // nginx's workers (nobody) reach its temp folders
    this.network = `${prefix}net`;
    const rendered = parseAllDocuments(renderedText).map((d) => d.toJS() as K8sObject).filter(Boolean);
    this.objs = [...rendered, ...documentedSecrets()];
  }

  kind(kind: string): K8sObject[] {
    return this.objs.filter((o) => o.kind === kind);
  }

  /** Our images built from Dockerfile.services, tagged as the manifests name them; any other image must be in the engine. */
  async images(): Promise<string[]> {
    const images = [...new Set([...this.kind('Deployment'), ...this.kind('StatefulSet'), ...this.kind('Job')].flatMap((w) => [...(w.spec.template.spec.initContainers ?? []), ...w.spec.template.spec.containers].map((c: Spec) => c.image as string)))];
    for (const image of images) {
      const ours = /\/bookstore-(auth|catalog|order):([^:]+)$/.exec(image);
      if (ours) {
        if (ours[2] !== VERSION) throw new Error(`${image}: the tag is not package.json's version ${VERSION}`);
        await dockerOk(['build', '-q', '-f', 'Dockerfile.services', '--target', ours[1]!, '-t', image, '.'], { timeoutMs: 20 * 60_000 });
      } else await dockerOk(['image', 'inspect', '--format', '{{.Id}}', image]);
    }
    return images;
  }

  /**
   * The Services (of the pod's namespace) whose selector picks these labels; each Service's port must
   * be the port its pods listen on. One Docker network is one namespace's short names: the runner
   * refuses Services and workloads spread over several namespaces.
   */
  private aliases(namespace: string, labels: Record<string, string>, spec: Spec): string[] {
    const names: string[] = [];
    const spread = new Set([...this.kind('Service'), ...this.kind('Deployment'), ...this.kind('StatefulSet'), ...this.kind('Job')].map((o) => `${o.kind} ${o.metadata.name} in ${namespaceOf(o)}`));
    if (new Set([...spread].map((s) => s.split(' in ')[1])).size > 1) throw new Error(`one namespace is handled by the k8s runner (a pod resolves Services of its own namespace by short name): ${[...spread].join(', ')}`);
    for (const svc of this.kind('Service').filter((s) => namespaceOf(s) === namespace)) {
      only(svc.spec, ['ports', 'selector', 'type'], `Service ${svc.metadata.name}.spec`);
      if (!matches(svc.spec.selector ?? {}, labels)) continue;
      if ((svc.spec.type ?? 'ClusterIP') !== 'ClusterIP') throw new Error(`Service ${svc.metadata.name}: type ${svc.spec.type} is not handled by the k8s runner`);
      for (const p of svc.spec.ports) {
        const ports = spec.containers.flatMap((c: Spec) => c.ports ?? []);
        const target = ports.find((cp: Spec) => cp.name === p.targetPort || cp.containerPort === p.targetPort)?.containerPort ?? p.targetPort;
        // A network alias cannot map ports: the Service must expose the pods' own port.
        if (target !== p.port) throw new Error(`Service ${svc.metadata.name}: port ${p.port} → ${p.targetPort} (${target}); only port = targetPort is handled by the k8s runner`);
      }
      names.push(svc.metadata.name);
    }
    return names;
  }

  /** A new pod of a workload: planned, volumes made, started, probed. */
  async startPod(workload: K8sObject, name: string, claims?: Record<string, string>): Promise<Pod> {
    const tpl = workload.spec.template;
    only(tpl.metadata, ['labels'], `${workload.kind} ${workload.metadata.name}.spec.template.metadata`);
    const namespace = namespaceOf(workload);
    const plan = planPod({ name, namespace, spec: tpl.spec, objs: this.objs, prefix: this.prefix, claims, hostDir: this.dir });
    const pod = new Pod(plan, tpl.metadata.labels ?? {}, this.network, [name, ...this.aliases(namespace, tpl.metadata.labels ?? {}, tpl.spec)], this.prefix);
    this.pods.push(pod);
    await pod.prepare();
    await pod.start();
    this.started += 1;
    if (workload.kind === 'Job') return pod;
    const prober = new Prober(pod, () => {
      this.events.push(`${pod.ready ? 'ready' : 'unready'} ${pod.name}`);
      return this.reload();
    });
    this.probers.set(pod, prober);
    pod.onExit = () => void this.restartExited(pod, prober);
    prober.start();
    return pod;
  }

  /** restartPolicy Always: a container that exits is started again after the kubelet's first back-off (10 s). */
  private async restartExited(pod: Pod, prober: Prober): Promise<void> {
    await sleep(10_000);
    if (pod.terminating) return;
    prober.stop();
    pod.ready = false;
    await this.reload();
    await pod.restart();
    prober.start();
  }

  async waitReady(pods: Pod[], timeoutMs = 240_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!pods.every((p) => p.ready)) {
      if (Date.now() > until) {
        const late = pods.filter((p) => !p.ready);
        throw new Error(`not ready after ${timeoutMs} ms: ${late.map((p) => p.name).join(', ')}\n${(await Promise.all(late.map((p) => p.logs()))).join('\n---\n')}`);
      }
      await sleep(250);
    }
  }

  private replicas(d: K8sObject): number {
    const hpa = this.kind('HorizontalPodAutoscaler').find((h) => h.spec.scaleTargetRef.kind === d.kind && h.spec.scaleTargetRef.name === d.metadata.name);
    return d.spec.replicas ?? hpa?.spec.minReplicas ?? 1;
  }

  private podsOf(d: K8sObject): Pod[] {
    return this.pods.filter((p) => !p.terminating && matches(d.spec.selector.matchLabels, p.labels));
  }

  /** StatefulSets (ordinals in order, each ready before the next), then Jobs to completion, then Deployments. */
  async up(): Promise<void> {
    await this.sweep();
    await dockerOk(['network', 'create', this.network]);
    await this.startProxy();
    for (const s of this.kind('StatefulSet')) {
      only(s.spec, ['replicas', 'selector', 'serviceName', 'template', 'volumeClaimTemplates'], `StatefulSet ${s.metadata.name}.spec`);
      for (let i = 0; i < (s.spec.replicas ?? 1); i++) {
        const name = `${s.metadata.name}-${i}`;
        const claims = Object.fromEntries((s.spec.volumeClaimTemplates ?? []).map((t: Spec) => [t.metadata.name, `${t.metadata.name}-${name}`]));
        await this.waitReady([await this.startPod(s, name, claims)]);
      }
    }
    for (const job of this.kind('Job')) {
      only(job.spec, ['template', 'backoffLimit'], `Job ${job.metadata.name}.spec`);
      const pod = await this.startPod(job, `${job.metadata.name}-${randomBytes(3).toString('hex')}`);
      const code = await dockerOk(['wait', pod.container], { timeoutMs: 10 * 60_000 });
      if (code !== '0') throw new Error(`Job ${job.metadata.name} exited ${code}:\n${await pod.logs()}`);
    }
    const started: Pod[] = [];
    for (const d of this.kind('Deployment')) {
      only(d.spec, ['replicas', 'selector', 'strategy', 'template'], `Deployment ${d.metadata.name}.spec`);
      for (let i = 0; i < this.replicas(d); i++) started.push(await this.startPod(d, `${d.metadata.name}-${randomBytes(3).toString('hex')}`));
    }
    await this.waitReady(started);
  }

  /**
   * `kubectl rollout restart`: with maxSurge 1 and maxUnavailable 0, one new pod at a time; only once
   * it is ready does an old pod leave its Services and get its preStop, SIGTERM and grace period.
   */
  async rolloutRestart(name: string): Promise<{ replaced: number }> {
    const d = this.kind('Deployment').find((x) => x.metadata.name === name)!;
    const ru = d.spec.strategy?.rollingUpdate ?? {};
    if (d.spec.strategy?.type !== 'RollingUpdate' || ru.maxSurge !== 1 || ru.maxUnavailable !== 0) throw new Error(`${name}: only RollingUpdate with maxSurge 1, maxUnavailable 0 is handled by the k8s runner`);
    const old = this.podsOf(d);
    const endings: Promise<void>[] = [];
    for (const pod of old) {
      const fresh = await this.startPod(d, `${name}-${randomBytes(3).toString('hex')}`);
      await this.waitReady([fresh]);
      endings.push(this.terminate(pod));
    }
    await Promise.all(endings);
    return { replaced: old.length };
  }

  /** The pod leaves its Services (the proxy reloads) while its preStop runs, as on a cluster. */
  async terminate(pod: Pod): Promise<void> {
    pod.terminating = true;
    pod.ready = false;
    this.events.push(`preStop ${pod.name}`);
    this.probers.get(pod)?.stop();
    await Promise.all([this.reload(), pod.stop()]);
    await pod.remove();
  }

  probeTotals(): ProbeCounts {
    const t: ProbeCounts = { startup: { ok: 0, failed: 0 }, liveness: { ok: 0, failed: 0 }, readiness: { ok: 0, failed: 0 }, livenessRestarts: 0 };
    for (const c of [...this.probers.values()].map((p) => p.counts)) {
      for (const k of ['startup', 'liveness', 'readiness'] as const) {
        t[k].ok += c[k].ok;
        t[k].failed += c[k].failed;
      }
      t.livenessRestarts += c.livenessRestarts;
    }
    return t;
  }

  /** The pod IPs the front proxy sends a Service's traffic to. */
  endpoints(service: string): string[] {
    const svc = this.kind('Service').find((s) => s.metadata.name === service)!;
    return this.pods.filter((p) => p.ready && !p.terminating && matches(svc.spec.selector, p.labels)).map((p) => `${p.ip}:${svc.spec.ports[0].port}`);
  }

  /** The Ingresses' backends must be Services of the Ingress's own namespace. */
  private async startProxy(): Promise<void> {
    const backends = this.kind('Ingress').flatMap((i) => i.spec.rules.flatMap((r: Spec) => r.http.paths.map((p: Spec) => ({ ingress: i, service: p.backend.service.name as string }))));
    for (const b of backends) {
      if (!this.kind('Service').some((s) => s.metadata.name === b.service && namespaceOf(s) === namespaceOf(b.ingress))) throw new Error(`Ingress ${b.ingress.metadata.name}: no Service ${b.service} in its namespace ${namespaceOf(b.ingress)}`);
    }
    this.proxy = new FrontProxy(this.dir, this.renderedText, [...new Set(backends.map((b) => b.service))], (s) => this.endpoints(s));
    await this.proxy.start();
  }

  /** Where the shop answers: the front proxy's HTTPS address. */
  get base(): string {
    return this.proxy?.base ?? '';
  }

  /** Endpoints changed: the front proxy follows. */
  reload(): Promise<void> {
    return this.proxy?.reload() ?? Promise.resolve();
  }

  async down(): Promise<void> {
    for (const p of this.probers.values()) p.stop();
    for (const p of this.pods) p.terminating = true;
    this.proxy?.stop();
    await this.sweep();
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Every container, volume and network named with the prefix (also what a killed earlier run left). */
  private async sweep(): Promise<void> {
    const ours = async (kind: 'ps' | 'volume' | 'network', args: string[]) => (await docker([kind === 'ps' ? 'ps' : kind, ...args])).stdout.split('\n').filter((n) => n.startsWith(this.prefix));
    const containers = await ours('ps', ['-a', '--format', '{{.Names}}']);
    if (containers.length) await docker(['rm', '-f', '-v', ...containers]);
    const volumes = await ours('volume', ['ls', '--format', '{{.Name}}']);
    if (volumes.length) await docker(['volume', 'rm', '-f', ...volumes]);
    const networks = await ours('network', ['ls', '--format', '{{.Name}}']);
    for (const n of networks) await docker(['network', 'rm', n]);
  }
}
/* eslint-enable @typescript-eslint/no-explicit-any */
