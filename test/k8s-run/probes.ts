// The kubelet's probes for one pod: the startupProbe until it succeeds (failureThreshold failures
// restart the container), then the livenessProbe and readinessProbe, each on its own period. A failed
// liveness restarts the container and probing starts over; readiness decides whether the pod is an
// endpoint of its Services (the runner's front proxy routes only to ready pods).
import { docker } from '../docker/lib.js';
import type { Probe } from './pod-spec.js';
import type { Pod } from './pods.js';

export interface ProbeCounts {
  startup: { ok: number; failed: number };
  liveness: { ok: number; failed: number };
  readiness: { ok: number; failed: number };
  livenessRestarts: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function runProbe(pod: Pod, p: Probe): Promise<boolean> {
  const a = p.action;
  if (a.kind === 'http') {
    try {
      const res = await fetch(`http://${pod.ip}:${a.port}${a.path}`, { signal: AbortSignal.timeout(p.timeoutSeconds * 1000), redirect: 'manual' });
      await res.arrayBuffer();
      return res.status >= 200 && res.status < 400;
    } catch {
      return false;
    }
  }
  const r = await docker(['exec', pod.container, ...a.command], { timeoutMs: p.timeoutSeconds * 1000 });
  return r.status === 0;
}

export class Prober {
  readonly counts: ProbeCounts = { startup: { ok: 0, failed: 0 }, liveness: { ok: 0, failed: 0 }, readiness: { ok: 0, failed: 0 }, livenessRestarts: 0 };
  private generation = 0;

  constructor(
    private readonly pod: Pod,
    /** Readiness changed: the pod joins or leaves its Services' endpoints. */
    private readonly onReady: (pod: Pod) => Promise<void>,
  ) {}

  start(): void {
    const gen = ++this.generation;
    void this.loop(gen);
  }

  stop(): void {
    this.generation += 1;
  }

  private live(gen: number) {
    return gen === this.generation;
  }

  private async setReady(ready: boolean): Promise<void> {
    if (this.pod.ready === ready) return;
    this.pod.ready = ready;
    await this.onReady(this.pod);
  }

  /** The kubelet kills the container (preStop, grace period) and starts it again; probing starts over. */
  private async restart(gen: number): Promise<void> {
    if (!this.live(gen)) return;
    this.generation += 1;
    this.counts.livenessRestarts += 1;
    await this.setReady(false);
    await this.pod.restart();
    this.start();
  }

  private async loop(gen: number): Promise<void> {
    const { startup, liveness, readiness } = this.pod.plan.main;
    if (startup) {
      await sleep(startup.initialDelaySeconds * 1000);
      for (let failures = 0; ; ) {
        if (!this.live(gen)) return;
        if (await runProbe(this.pod, startup)) {
          this.counts.startup.ok += 1;
          break;
        }
        this.counts.startup.failed += 1;
        if (++failures >= startup.failureThreshold) return this.restart(gen);
        await sleep(startup.periodSeconds * 1000);
      }
    }
    if (!this.live(gen)) return;
    if (!readiness) await this.setReady(true);
    else void this.every(gen, readiness, 'readiness', async (ok, streak) => {
      if (ok && streak >= readiness.successThreshold) await this.setReady(true);
      if (!ok && streak >= readiness.failureThreshold) await this.setReady(false);
    });
    if (liveness) void this.every(gen, liveness, 'liveness', async (ok, streak) => {
      if (!ok && streak >= liveness.failureThreshold) await this.restart(gen);
    });
  }

  /** Runs a probe each period; `decide` gets the result and how many in a row came out the same. */
  private async every(gen: number, p: Probe, kind: 'liveness' | 'readiness', decide: (ok: boolean, streak: number) => Promise<void>): Promise<void> {
    await sleep(p.initialDelaySeconds * 1000);
    let last: boolean | undefined;
    let streak = 0;
    while (this.live(gen)) {
      const ok = await runProbe(this.pod, p);
      if (!this.live(gen)) return;
      this.counts[kind][ok ? 'ok' : 'failed'] += 1;
      streak = ok === last ? streak + 1 : 1;
      last = ok;
      await decide(ok, streak);
      await sleep(p.periodSeconds * 1000);
    }
  }
}
