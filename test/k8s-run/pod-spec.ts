/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-return -- rendered YAML is untyped data, checked field by field */
// A rendered pod template turned into `docker run` flags, field by field. Every field the runner
// handles is named here; any other field of a pod spec, container, probe, volume or security
// context is refused by name (a field silently ignored would be a test of something else).
import { containerEnv, type K8sObject } from '../k8s/render.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is untyped data, checked field by field here */
type Spec = Record<string, any>;

export type ProbeAction = { kind: 'http'; path: string; port: number; scheme: 'HTTP' } | { kind: 'exec'; command: string[] };
export interface Probe {
  action: ProbeAction;
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}
export interface ContainerPlan {
  name: string;
  image: string;
  /** Flags for `docker run` (before the image), then what follows the image. */
  flags: string[];
  args: string[];
  startup?: Probe;
  liveness?: Probe;
  readiness?: Probe;
  /** preStop: a command run in the container, or seconds slept (the `sleep` action). */
  preStop?: { exec: string[] } | { sleep: number };
  /** runAsNonRoot without runAsUser: the image's own user must be a non-zero uid (the kubelet checks). */
  checkImageUser: boolean;
}
export interface PodPlan {
  name: string;
  init: ContainerPlan[];
  main: ContainerPlan;
  graceSeconds: number;
  /** Named volumes (PVCs, shared emptyDirs) whose group the kubelet sets to fsGroup. */
  namedVolumes: string[];
  fsGroup?: number;
  /** ConfigMap volumes: the files to write into a host folder bind-mounted at the mount path. */
  configMapDirs: { dir: string; files: Record<string, string>; mode: number }[];
}

/** Refuses every key of `obj` not in `handled` (where: the field's path, for the message). */
export function only(obj: Spec | undefined, handled: string[], where: string): void {
  for (const key of Object.keys(obj ?? {})) if (!handled.includes(key)) throw new Error(`${where}.${key}: not handled by the k8s runner`);
}

const MEMORY_UNITS: Record<string, number> = { '': 1, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, k: 1e3, M: 1e6, G: 1e9 };
export function bytes(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|k|M|G)?$/.exec(String(q));
  if (!m) throw new Error(`quantity ${q}: not handled by the k8s runner`);
  return Math.round(Number(m[1]) * MEMORY_UNITS[m[2] ?? '']!);
}
export function cpus(q: string | number): number {
  const m = /^(\d+(?:\.\d+)?)(m)?$/.exec(String(q));
  if (!m) throw new Error(`cpu ${q}: not handled by the k8s runner`);
  return Number(m[1]) / (m[2] ? 1000 : 1);
}

function probe(p: Spec | undefined, ports: Record<string, number>, where: string): Probe | undefined {
  if (!p) return undefined;
  only(p, ['httpGet', 'exec', 'initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold', 'successThreshold'], where);
  let action: ProbeAction;
  if (p.httpGet) {
    only(p.httpGet, ['path', 'port', 'scheme'], `${where}.httpGet`);
    if ((p.httpGet.scheme ?? 'HTTP') !== 'HTTP') throw new Error(`${where}.httpGet.scheme ${p.httpGet.scheme}: not handled by the k8s runner`);
    const port = typeof p.httpGet.port === 'number' ? p.httpGet.port : ports[p.httpGet.port];
    if (!port) throw new Error(`${where}.httpGet.port ${p.httpGet.port}: no such container port`);
    action = { kind: 'http', path: p.httpGet.path ?? '/', port, scheme: 'HTTP' };
  } else if (p.exec) {
    only(p.exec, ['command'], `${where}.exec`);
    action = { kind: 'exec', command: p.exec.command };
  } else throw new Error(`${where}: a probe without httpGet or exec`);
  // The kubelet's defaults.
  return {
    action,
    initialDelaySeconds: p.initialDelaySeconds ?? 0,
    periodSeconds: p.periodSeconds ?? 10,
    timeoutSeconds: p.timeoutSeconds ?? 1,
    failureThreshold: p.failureThreshold ?? 3,
    successThreshold: p.successThreshold ?? 1,
  };
}

function security(pod: Spec, c: Spec, where: string): { flags: string[]; checkImageUser: boolean } {
  const podSc = pod.securityContext ?? {};
  const sc = c.securityContext ?? {};
  only(podSc, ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'fsGroup', 'seccompProfile'], 'spec.securityContext');
  only(sc, ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'allowPrivilegeEscalation', 'capabilities', 'privileged', 'readOnlyRootFilesystem', 'seccompProfile'], `${where}.securityContext`);
  for (const s of [podSc.seccompProfile, sc.seccompProfile]) {
    // Docker's default seccomp profile is the runtime's default.
    if (s && s.type !== 'RuntimeDefault') throw new Error(`seccompProfile ${s.type}: not handled by the k8s runner`);
  }
  if (sc.privileged) throw new Error(`${where}.securityContext.privileged: true is not handled by the k8s runner`);
  const flags: string[] = [];
  const uid = sc.runAsUser ?? podSc.runAsUser;
  const gid = sc.runAsGroup ?? podSc.runAsGroup;
  const nonRoot = sc.runAsNonRoot ?? podSc.runAsNonRoot;
  if (nonRoot && uid === 0) throw new Error(`${where}: runAsNonRoot with runAsUser 0 (the kubelet refuses to start it)`);
  if (gid !== undefined && uid === undefined) throw new Error(`${where}: runAsGroup without runAsUser: not handled by the k8s runner`);
  if (uid !== undefined) flags.push('--user', gid === undefined ? String(uid) : `${uid}:${gid}`);
  if (podSc.fsGroup !== undefined) flags.push('--group-add', String(podSc.fsGroup));
  if (sc.allowPrivilegeEscalation === false) flags.push('--security-opt', 'no-new-privileges');
  only(sc.capabilities, ['drop', 'add'], `${where}.securityContext.capabilities`);
  for (const cap of sc.capabilities?.drop ?? []) flags.push('--cap-drop', cap);
  for (const cap of sc.capabilities?.add ?? []) flags.push('--cap-add', cap);
  if (sc.readOnlyRootFilesystem) flags.push('--read-only');
  return { flags, checkImageUser: Boolean(nonRoot) && uid === undefined };
}

function resources(r: Spec | undefined, where: string): string[] {
  only(r, ['limits', 'requests'], `${where}.resources`);
  only(r?.limits, ['cpu', 'memory'], `${where}.resources.limits`);
  only(r?.requests, ['cpu', 'memory'], `${where}.resources.requests`);
  const flags: string[] = [];
  if (r?.limits?.memory) flags.push('--memory', String(bytes(r.limits.memory)));
  if (r?.limits?.cpu) flags.push('--cpus', String(cpus(r.limits.cpu)));
  // The kubelet turns the CPU request into the cgroup's shares (1 cpu = 1024); a memory request only schedules.
  if (r?.requests?.cpu) flags.push('--cpu-shares', String(Math.max(2, Math.round(cpus(r.requests.cpu) * 1024))));
  return flags;
}

const CONTAINER_FIELDS = ['name', 'image', 'imagePullPolicy', 'command', 'args', 'env', 'envFrom', 'ports', 'volumeMounts', 'securityContext', 'resources', 'startupProbe', 'livenessProbe', 'readinessProbe', 'lifecycle'];
const POD_FIELDS = ['containers', 'initContainers', 'volumes', 'securityContext', 'terminationGracePeriodSeconds', 'automountServiceAccountToken', 'topologySpreadConstraints', 'restartPolicy'];

/** Where `kubectl apply -k` puts an object: its namespace, or the context's (`default`) when it names none. */
export const namespaceOf = (o: K8sObject) => o.metadata.namespace ?? 'default';

/**
 * The plan for one pod. Its ConfigMaps, Secrets and claims are looked up in its own namespace only,
 * as the kubelet does. `claims` maps a volume name to the PVC it stands for (a StatefulSet's
 * volumeClaimTemplates give each pod its own); `prefix` names every Docker object made for it.
 */
export function planPod(p: { name: string; namespace: string; spec: Spec; objs: K8sObject[]; prefix: string; claims?: Record<string, string>; hostDir: string }): PodPlan {
  const o = { ...p, objs: p.objs.filter((x) => namespaceOf(x) === p.namespace) };
  const { spec } = o;
  only(spec, POD_FIELDS, 'spec');
  // One node: every pod lands on it, so each spread constraint is met as far as one node can.
  if (spec.automountServiceAccountToken !== false) throw new Error('spec.automountServiceAccountToken: only false is handled (the runner has no API server token to mount)');
  if (spec.containers.length !== 1) throw new Error('spec.containers: one container per pod is handled by the k8s runner');
  const volumes = new Map<string, Spec>((spec.volumes ?? []).map((v: Spec) => [v.name, v]));
  for (const name of Object.keys(o.claims ?? {})) volumes.set(name, { name, persistentVolumeClaim: { claimName: o.claims![name] } });
  const users = (name: string) => [...(spec.initContainers ?? []), ...spec.containers].filter((c: Spec) => (c.volumeMounts ?? []).some((m: Spec) => m.name === name)).length;
  const namedVolumes: string[] = [];
  const configMapDirs: PodPlan['configMapDirs'] = [];
  const mounts = new Map<string, (path: string, readOnly: boolean) => string>();
  for (const v of volumes.values()) {
    only(v, ['name', 'emptyDir', 'persistentVolumeClaim', 'configMap'], `spec.volumes[${v.name}]`);
    if (v.emptyDir) {
      only(v.emptyDir, ['sizeLimit', 'medium'], `spec.volumes[${v.name}].emptyDir`);
      const size = v.emptyDir.sizeLimit ? `,tmpfs-size=${bytes(v.emptyDir.sizeLimit)}` : '';
      if (users(v.name) > 1) {
        // Shared by the pod's containers (an initContainer and the main one): a volume of the pod.
        const vol = `${o.prefix}${o.name}-${v.name}`;
        namedVolumes.push(vol);
        mounts.set(v.name, (p, ro) => `type=volume,src=${vol},dst=${p}${ro ? ',readonly' : ''}`);
      } else mounts.set(v.name, (p) => `type=tmpfs,dst=${p}${size},tmpfs-mode=1777`);
    } else if (v.persistentVolumeClaim) {
      only(v.persistentVolumeClaim, ['claimName', 'readOnly'], `spec.volumes[${v.name}].persistentVolumeClaim`);
      const claim = v.persistentVolumeClaim.claimName as string;
      if (!o.claims?.[v.name] && !o.objs.some((x) => x.kind === 'PersistentVolumeClaim' && x.metadata.name === claim)) throw new Error(`spec.volumes[${v.name}]: no PersistentVolumeClaim ${claim} in namespace ${o.namespace}`);
      const vol = `${o.prefix}pvc-${claim}`;
      namedVolumes.push(vol);
      mounts.set(v.name, (p, ro) => `type=volume,src=${vol},dst=${p}${ro || v.persistentVolumeClaim.readOnly ? ',readonly' : ''}`);
    } else if (v.configMap) {
      only(v.configMap, ['name', 'defaultMode'], `spec.volumes[${v.name}].configMap`);
      const cm = o.objs.find((x) => x.kind === 'ConfigMap' && x.metadata.name === v.configMap.name);
      if (!cm) throw new Error(`spec.volumes[${v.name}]: no ConfigMap ${v.configMap.name} in namespace ${o.namespace}`);
      const dir = `${o.hostDir}/${o.name}-${v.name}`;
      configMapDirs.push({ dir, files: cm.data ?? {}, mode: v.configMap.defaultMode ?? 0o644 });
      mounts.set(v.name, (p) => `type=bind,src=${dir},dst=${p},readonly`);
    } else throw new Error(`spec.volumes[${v.name}]: no volume source the k8s runner handles`);
  }

  const container = (c: Spec, where: string): ContainerPlan => {
    only(c, CONTAINER_FIELDS, where);
    const ports: Record<string, number> = {};
    const flags: string[] = [];
    for (const p of c.ports ?? []) {
      only(p, ['name', 'containerPort', 'protocol'], `${where}.ports`);
      if (p.name) ports[p.name] = p.containerPort;
      flags.push('--expose', `${p.containerPort}/${(p.protocol ?? 'TCP').toLowerCase()}`);
    }
    let env: Record<string, string>;
    try {
      env = containerEnv(c as never, o.objs);
    } catch (err) {
      throw new Error(`${where} in namespace ${o.namespace}: ${(err as Error).message}`);
    }
    for (const [k, v] of Object.entries(env)) flags.push('-e', `${k}=${v}`);
    for (const m of c.volumeMounts ?? []) {
      only(m, ['name', 'mountPath', 'readOnly'], `${where}.volumeMounts[${m.name}]`);
      const mount = mounts.get(m.name);
      if (!mount) throw new Error(`${where}.volumeMounts[${m.name}]: no such volume`);
      flags.push('--mount', mount(m.mountPath, Boolean(m.readOnly)));
    }
    const sec = security(spec, c, where);
    flags.push(...sec.flags, ...resources(c.resources, where));
    // command replaces the image's ENTRYPOINT, args its CMD.
    const args: string[] = [];
    if (c.command) {
      flags.push('--entrypoint', c.command[0]);
      args.push(...c.command.slice(1), ...(c.args ?? []));
    } else if (c.args) args.push(...c.args);
    only(c.lifecycle, ['preStop'], `${where}.lifecycle`);
    const pre = c.lifecycle?.preStop;
    only(pre, ['exec', 'sleep'], `${where}.lifecycle.preStop`);
    const preStop = pre?.exec ? { exec: pre.exec.command as string[] } : pre?.sleep ? { sleep: Number(pre.sleep.seconds) } : undefined;
    if (c.imagePullPolicy === 'Always') throw new Error(`${where}.imagePullPolicy: Always needs a registry (none is reachable)`);
    return {
      name: c.name,
      image: c.image,
      flags,
      args,
      startup: probe(c.startupProbe, ports, `${where}.startupProbe`),
      liveness: probe(c.livenessProbe, ports, `${where}.livenessProbe`),
      readiness: probe(c.readinessProbe, ports, `${where}.readinessProbe`),
      preStop,
      checkImageUser: sec.checkImageUser,
    };
  };
  return {
    name: o.name,
    init: (spec.initContainers ?? []).map((c: Spec) => container(c, `spec.initContainers[${c.name}]`)),
    main: container(spec.containers[0], `spec.containers[${spec.containers[0].name}]`),
    graceSeconds: spec.terminationGracePeriodSeconds ?? 30,
    namedVolumes,
    fsGroup: spec.securityContext?.fsGroup,
    configMapDirs,
  };
}
/* eslint-enable @typescript-eslint/no-explicit-any */
