// The k8s runner's reading of a pod spec (test/k8s-run/pod-spec.ts), without Docker: the rendered
// Deployments become the `docker run` flags their specs say, every pod template of both overlays can
// be planned as the kubelet would (its ConfigMaps and Secrets found in its own namespace), and a field
// the runner does not handle is refused by name.
/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- rendered YAML is untyped data; the assertions are the types */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { documentedSecrets, named, OVERLAYS, render, type K8sObject } from '../k8s/render.js';
import { namespaceOf, planPod } from './pod-spec.js';

const secrets = documentedSecrets();
const objs = (overlay: string) => [...render(overlay), ...secrets];
const plan = (all: K8sObject[], w: K8sObject, spec = w.spec.template.spec) =>
  planPod({ name: w.metadata.name, namespace: namespaceOf(w), spec, objs: all, prefix: 'k8srun-', hostDir: '/tmp/k8srun-plan', claims: w.kind === 'StatefulSet' ? { data: 'data-x' } : undefined });
const flag = (flags: string[], name: string) => flags.flatMap((f, i) => (f === name ? [flags[i + 1]] : []));

describe('the k8s runner reads pod specs', () => {
  test('auth\'s Deployment: its user, read-only root, capabilities, limits, tmpfs, probes and preStop', () => {
    const all = objs('local');
    const p = plan(all, named(all, 'Deployment', 'auth')!);
    const f = p.main.flags;
    assert.deepEqual(flag(f, '--user'), ['1000:1000']);
    assert.ok(f.includes('--read-only'));
    assert.deepEqual(flag(f, '--cap-drop'), ['ALL']);
    assert.deepEqual(flag(f, '--security-opt'), ['no-new-privileges']);
    assert.deepEqual(flag(f, '--memory'), [String(320 * 2 ** 20)]);
    assert.deepEqual(flag(f, '--cpus'), ['0.5']);
    assert.deepEqual(flag(f, '--mount'), [`type=tmpfs,dst=/tmp,tmpfs-size=${64 * 2 ** 20},tmpfs-mode=1777`]);
    assert.ok(flag(f, '-e').includes(`DATABASE_URL=${secrets[0]!.data!['auth-database-url']}`), 'env from the documented Secret');
    assert.ok(flag(f, '-e').includes('NODE_ENV=production'), 'envFrom the ConfigMap');
    assert.deepEqual(p.main.readiness, { action: { kind: 'http', path: '/ping', port: 5001, scheme: 'HTTP' }, initialDelaySeconds: 0, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2, successThreshold: 1 });
    assert.equal(p.main.startup?.failureThreshold, 60);
    assert.deepEqual(p.main.preStop, { exec: ['sleep', '10'] });
    assert.equal(p.graceSeconds, 30);
  });

  test('command replaces the entrypoint, args the CMD; an initContainer shares an emptyDir with the main container through a pod volume', () => {
    const all = objs('local');
    const mariadb = plan(all, named(all, 'StatefulSet', 'mariadb')!);
    assert.deepEqual(mariadb.main.args, ['--default-time-zone=+00:00']);
    assert.deepEqual(flag(mariadb.main.flags, '--entrypoint'), []);
    assert.deepEqual(flag(mariadb.main.flags, '--mount').sort(), ['type=bind,src=/tmp/k8srun-plan/mariadb-init,dst=/docker-entrypoint-initdb.d,readonly', 'type=volume,src=k8srun-pvc-data-x,dst=/var/lib/mysql']);
    assert.ok(mariadb.configMapDirs[0]?.files['10-service-users.sh'], 'the init ConfigMap as files');
    const auth = named(all, 'Deployment', 'auth')!;
    const spec = auth.spec.template.spec;
    const init = { name: 'prepare', image: 'busybox', command: ['sh', '-c'], args: ['touch /tmp/ready'], volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }] };
    const p = plan(all, auth, { ...spec, initContainers: [init] });
    assert.deepEqual(flag(p.init[0]!.flags, '--entrypoint'), ['sh']);
    assert.deepEqual(p.init[0]!.args, ['-c', 'touch /tmp/ready']);
    assert.deepEqual(flag(p.init[0]!.flags, '--mount'), ['type=volume,src=k8srun-auth-tmp,dst=/tmp']);
    assert.deepEqual(flag(p.main.flags, '--mount'), ['type=volume,src=k8srun-auth-tmp,dst=/tmp']);
    assert.deepEqual(p.namedVolumes, ['k8srun-auth-tmp']);
  });

  for (const overlay of OVERLAYS) {
    test(`${overlay}: every pod template plans, its ConfigMaps and Secrets found in its own namespace`, () => {
      const all = objs(overlay);
      for (const w of all.filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))) {
        assert.doesNotThrow(() => plan(all, w), `${w.kind} ${w.metadata.name} in ${namespaceOf(w)}`);
      }
    });
  }

  test('a field the runner does not handle is refused by name, not ignored', () => {
    const all = objs('local');
    const auth = named(all, 'Deployment', 'auth')!;
    const spec = auth.spec.template.spec;
    const c = spec.containers[0];
    const refused = (s: object, field: RegExp) => assert.throws(() => plan(all, auth, s), field);
    refused({ ...spec, hostNetwork: true }, /spec\.hostNetwork: not handled/);
    refused({ ...spec, containers: [{ ...c, stdin: true }] }, /spec\.containers\[auth\]\.stdin: not handled/);
    refused({ ...spec, containers: [{ ...c, livenessProbe: { grpc: { port: 5001 } } }] }, /livenessProbe\.grpc: not handled/);
    refused({ ...spec, containers: [{ ...c, securityContext: { ...c.securityContext, procMount: 'Unmasked' } }] }, /securityContext\.procMount: not handled/);
    refused({ ...spec, volumes: [...spec.volumes, { name: 'host', hostPath: { path: '/' } }] }, /spec\.volumes\[host\]\.hostPath: not handled/);
    refused({ ...spec, containers: [{ ...c, lifecycle: { postStart: { exec: { command: ['true'] } } } }] }, /lifecycle\.postStart: not handled/);
    refused({ ...spec, containers: [{ ...c, volumeMounts: [{ name: 'tmp', mountPath: '/tmp', subPath: 'x' }] }] }, /volumeMounts\[tmp\]\.subPath: not handled/);
    refused({ ...spec, automountServiceAccountToken: true }, /automountServiceAccountToken/);
    refused({ ...spec, securityContext: { ...spec.securityContext, runAsUser: 0 } }, /runAsNonRoot with runAsUser 0/);
  });
});
