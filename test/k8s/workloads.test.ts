/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- rendered YAML is untyped data; the assertions are the types */
// What a real cluster does with the rendered workloads: rollouts and scale-downs (preStop before
// SIGTERM), migrations at start (startupProbe), a read-only database during a failover (readiness
// does not depend on it), the HPA owning replicas, Pod Security Admission `restricted`, pods spread
// over nodes, one certificate, storage the overlay's cluster can give, and the image tags.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';
import { byKind, named, OVERLAYS, render } from './render.js';

const SERVICES = ['auth', 'catalog', 'order'];
const version = (JSON.parse(readFileSync('package.json', 'utf8')) as { version: string }).version;
// The graceful shutdown the services do after SIGTERM (src/http/serve.ts), at its default.
const shutdownSeconds = loadConfig({}).shutdownTimeoutMs / 1000;

for (const overlay of OVERLAYS) {
  describe(`k8s/overlays/${overlay}: workloads`, () => {
    const objs = render(overlay);
    const deployment = (name: string) => named(objs, 'Deployment', name)!;

    test('the HPA owns replicas: no replicas on the Deployments it scales', () => {
      for (const hpa of byKind(objs, 'HorizontalPodAutoscaler')) {
        const dep = deployment(hpa.spec.scaleTargetRef.name);
        assert.equal(dep.spec.replicas, undefined, `${dep.metadata.name} sets replicas beside its HPA`);
      }
    });

    test('probes: startup covers migrations, readiness survives a read-only database, liveness needs no database', () => {
      for (const name of SERVICES) {
        const c = deployment(name).spec.template.spec.containers[0];
        assert.equal(c.readinessProbe.httpGet.path, '/ping', 'readiness: /healthz is 503 while the database is read-only');
        assert.equal(c.livenessProbe.httpGet.path, '/ping');
        assert.equal(c.startupProbe.httpGet.path, '/ping');
        assert.ok(c.startupProbe.periodSeconds * c.startupProbe.failureThreshold >= 300, 'five minutes for migrations before liveness counts');
      }
    });

    test('preStop waits for the controller to stop routing; the grace period covers it and the shutdown', () => {
      for (const name of SERVICES) {
        const pod = deployment(name).spec.template.spec;
        const cmd = pod.containers[0].lifecycle.preStop.exec.command as string[];
        assert.equal(cmd[0], 'sleep', 'sleep is in the image (Debian slim: coreutils)');
        const wait = Number(cmd[1]);
        assert.ok(wait >= 10, 'long enough for endpoints and ingress-nginx to drop the pod');
        assert.ok(pod.terminationGracePeriodSeconds > wait + shutdownSeconds, 'preStop plus the graceful shutdown fit in the grace period');
      }
    });

    test('pods spread over nodes and zones', () => {
      for (const name of SERVICES) {
        const pod = deployment(name).spec.template;
        const keys = pod.spec.topologySpreadConstraints.map((t: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }) => {
          assert.equal(t.labelSelector.matchLabels['app.kubernetes.io/name'], name);
          return t.topologyKey;
        });
        assert.deepEqual(keys.sort(), ['kubernetes.io/hostname', 'topology.kubernetes.io/zone']);
      }
    });

    test('the namespace enforces Pod Security `restricted`, and every pod conforms', () => {
      const ns = named(objs, 'Namespace', 'bookstore')!;
      for (const mode of ['enforce', 'audit', 'warn']) assert.equal(ns.metadata.labels?.[`pod-security.kubernetes.io/${mode}`], 'restricted', mode);
      for (const w of [...byKind(objs, 'Deployment'), ...byKind(objs, 'StatefulSet')]) {
        const pod = w.spec.template.spec;
        assert.equal(pod.securityContext.runAsNonRoot, true, w.metadata.name);
        assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', w.metadata.name);
        assert.ok(!pod.hostNetwork && !pod.hostPID && !pod.hostIPC, w.metadata.name);
        for (const v of pod.volumes ?? []) assert.ok(v.emptyDir || v.configMap || v.secret || v.persistentVolumeClaim || v.projected, `${w.metadata.name}: volume ${v.name}`);
        for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
          assert.equal(c.securityContext.allowPrivilegeEscalation, false, c.name);
          assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], c.name);
          assert.ok(!c.securityContext.privileged && !c.securityContext.capabilities.add, c.name);
        }
      }
    });

    test('one cert-manager Certificate fills the secret every Ingress names; no Ingress asks for its own', () => {
      const [cert, ...more] = byKind(objs, 'Certificate');
      assert.ok(cert && more.length === 0);
      const hosts = new Set<string>();
      for (const ing of byKind(objs, 'Ingress')) {
        assert.ok(!Object.keys(ing.metadata.annotations ?? {}).some((k) => k.startsWith('cert-manager.io/')), ing.metadata.name);
        for (const tls of ing.spec.tls) {
          assert.equal(tls.secretName, cert.spec.secretName);
          for (const h of tls.hosts) hosts.add(h);
        }
      }
      assert.deepEqual([...hosts], cert.spec.dnsNames);
      assert.equal(named(objs, 'ClusterIssuer', cert.spec.issuerRef.name)?.kind, 'ClusterIssuer');
    });

    test('covers: a volume this overlay\'s cluster can provision, mounted by every catalog pod', () => {
      const pvc = named(objs, 'PersistentVolumeClaim', 'catalog-covers')!;
      const mounted = deployment('catalog').spec.template.spec.volumes.find((v: { persistentVolumeClaim?: { claimName: string } }) => v.persistentVolumeClaim?.claimName === 'catalog-covers');
      assert.ok(mounted, 'a PersistentVolumeClaim, not an emptyDir: nothing is lost when a pod moves');
      if (overlay === 'local') {
        // kind (`standard`) and k3s (`local-path`) provision ReadWriteOnce only, on the default class;
        // every catalog pod then runs on the node holding the volume.
        assert.deepEqual(pvc.spec.accessModes, ['ReadWriteOnce']);
        assert.equal(pvc.spec.storageClassName, undefined, 'the cluster\'s default class');
      } else {
        assert.deepEqual(pvc.spec.accessModes, ['ReadWriteMany']);
        assert.equal(named(objs, 'StorageClass', pvc.spec.storageClassName)?.provisioner, 'efs.csi.aws.com');
      }
    });

    test(`images: tagged with package.json's version (${version}) through kustomize images`, () => {
      const k = parse(readFileSync('k8s/base/kustomization.yaml', 'utf8')) as { images: { name: string; newTag: string }[] };
      for (const name of SERVICES) {
        assert.equal(k.images.find((i) => i.name === `ghcr.io/bookstore/bookstore-${name}`)?.newTag, version);
        assert.equal(deployment(name).spec.template.spec.containers[0].image, `ghcr.io/bookstore/bookstore-${name}:${version}`);
      }
    });
  });
}
