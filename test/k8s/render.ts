// The manifests as a cluster gets them: `kubectl kustomize` of an overlay, and the Secret that
// docs/services.md tells an operator to create (k8s/make-secrets.sh), as plain objects.
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';

/* eslint-disable @typescript-eslint/no-explicit-any -- rendered YAML is untyped data; the assertions are the types */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: any;
  data?: Record<string, string>;
  provisioner?: string;
}
/* eslint-enable @typescript-eslint/no-explicit-any */

export const OVERLAYS = ['local', 'aws'] as const;

const parse = (text: string) => parseAllDocuments(text).map((d) => d.toJS() as K8sObject).filter(Boolean);

export function render(overlay: string): K8sObject[] {
  return parse(execFileSync('kubectl', ['kustomize', `k8s/overlays/${overlay}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }));
}

/** The documented secret creation, run as the operator runs it; values decoded. */
export function documentedSecrets(env: Record<string, string> = {}): K8sObject[] {
  return parse(execFileSync('sh', ['k8s/make-secrets.sh'], { encoding: 'utf8', env: { ...process.env, ...env } })).map((s) => ({
    ...s,
    data: Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64').toString('utf8')])),
  }));
}

export const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
export const named = (objs: K8sObject[], kind: string, name: string) => objs.find((o) => o.kind === kind && o.metadata.name === name);

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string; optional?: boolean }; configMapKeyRef?: { name: string; key: string; optional?: boolean } };
}
interface Container {
  name: string;
  env?: EnvVar[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
}

/** A container's environment as the kubelet builds it; a missing ConfigMap, Secret or key throws. */
export function containerEnv(container: Container, objs: K8sObject[]): Record<string, string> {
  const source = (kind: string, name: string) => {
    const o = named(objs, kind, name);
    if (!o) throw new Error(`${container.name}: no ${kind} ${name}`);
    return o.data ?? {};
  };
  const env: Record<string, string> = {};
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, source('ConfigMap', from.configMapRef.name));
    if (from.secretRef) Object.assign(env, source('Secret', from.secretRef.name));
  }
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef ?? e.valueFrom?.configMapKeyRef;
    if (!ref) {
      env[e.name] = e.value ?? '';
      continue;
    }
    const data = source(e.valueFrom?.secretKeyRef ? 'Secret' : 'ConfigMap', ref.name);
    if (data[ref.key] === undefined) {
      if (ref.optional) continue;
      throw new Error(`${container.name}: ${e.name} needs key ${ref.key} of ${ref.name}, which the documented creation does not make`);
    }
    env[e.name] = data[ref.key]!;
  }
  return env;
}
