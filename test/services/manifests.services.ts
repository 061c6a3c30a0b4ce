/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- rendered YAML is untyped data; the assertions are the types */
// k8s/: every overlay renders with `kubectl kustomize`, every object validates against the
// Kubernetes API schemas (kubernetes-models) with no unknown keys, and the pieces fit together.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { describe, test } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { loadInterfaces, unknownKeys } from './k8s-schema.js';

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown> & { [k: string]: any }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const require = createRequire(import.meta.url);
const pkgDir = (name: string) => dirname(require.resolve(`${name}/package.json`));
const interfaces = loadInterfaces([pkgDir('kubernetes-models'), pkgDir('@kubernetes-models/apimachinery'), pkgDir('@kubernetes-models/cert-manager')]);

function render(overlay: string): K8sObject[] {
  const text = execFileSync('kubectl', ['kustomize', `k8s/overlays/${overlay}`], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return parseAllDocuments(text).map((d) => d.toJS() as K8sObject).filter(Boolean);
}

async function model(o: K8sObject): Promise<{ validate(): void }> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const mod: Record<string, new (data: unknown) => { validate(): void }> = group === 'cert-manager.io'
    ? await import(`@kubernetes-models/cert-manager/cert-manager.io/${version}/${o.kind}`)
    : await import(`kubernetes-models/${group ? `${group}/` : ''}${version}/${o.kind}`);
  const Model = mod[o.kind];
  assert.ok(Model, `no model for ${o.apiVersion} ${o.kind}`);
  return new Model(o);
}

const interfaceOf = (o: K8sObject) => `${o.apiVersion}/I${o.kind}`;
const byKind = (objs: K8sObject[], kind: string) => objs.filter((o) => o.kind === kind);
const SERVICES = ['auth', 'catalog', 'order'];

for (const overlay of ['local', 'aws']) {
  describe(`k8s/overlays/${overlay}`, () => {
    const objs = render(overlay);

    test('renders, and every object is valid against the Kubernetes schemas with no unknown keys', async () => {
      assert.ok(objs.length > 20);
      for (const o of objs) {
        (await model(o)).validate();
        // cert-manager's models reuse short interface names for different nested types: its objects are
        // checked strictly down to spec.acme only.
        const depth = o.apiVersion.startsWith('cert-manager.io/') ? 3 : Infinity;
        assert.deepEqual(unknownKeys(interfaces, interfaceOf(o), o, '', depth), [], `${o.kind}/${o.metadata.name} has unknown keys`);
      }
    });

    test('each service: Deployment hardened and probed, ClusterIP Service, HPA, PDB, all fitting together', () => {
      const site = readFileSync('src/site/site.routes.ts', 'utf8') + readFileSync('src/compose.ts', 'utf8');
      for (const name of SERVICES) {
        const dep = byKind(objs, 'Deployment').find((d) => d.metadata.name === name)!;
        assert.ok(dep, `Deployment ${name}`);
        assert.equal(dep.spec!.replicas, undefined, 'the HPA owns replicas');
        const pod = dep.spec!.template;
        assert.equal(pod.spec.securityContext.runAsNonRoot, true);
        for (const c of pod.spec.containers) {
          assert.doesNotMatch(c.image, /:latest$|^[^:]+$/, 'a pinned tag');
          assert.equal(c.securityContext.readOnlyRootFilesystem, true);
          assert.equal(c.securityContext.allowPrivilegeEscalation, false);
          assert.deepEqual(c.securityContext.capabilities.drop, ['ALL']);
          assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory);
          assert.equal(c.readinessProbe.httpGet.path, '/ping');
          assert.equal(c.livenessProbe.httpGet.path, '/ping');
          assert.match(site, /get\('\/healthz'/, 'the readiness route exists');
          assert.match(site, /get\('\/ping'/, 'the liveness route exists');
          for (const e of c.env) {
            if (/SECRET|KEY|DATABASE_URL|PASSWORD/.test(e.name)) assert.ok(e.valueFrom?.secretKeyRef, `${name}: ${e.name} comes from a secretKeyRef`);
          }
          // Service → pods and port.
          const svc = byKind(objs, 'Service').find((s) => s.metadata.name === name)!;
          assert.equal(svc.spec!.type, 'ClusterIP');
          for (const [k, v] of Object.entries(svc.spec!.selector as Record<string, string>)) assert.equal(pod.metadata.labels[k], v, `Service ${name} selects its pods`);
          for (const p of svc.spec!.ports) {
            const target = c.ports.find((cp: { name: string; containerPort: number }) => cp.name === p.targetPort || cp.containerPort === p.targetPort);
            assert.ok(target, `Service ${name} targets a container port`);
          }
        }
        const hpa = byKind(objs, 'HorizontalPodAutoscaler').find((h) => h.metadata.name === name)!;
        assert.equal(hpa.apiVersion, 'autoscaling/v2');
        assert.equal(hpa.spec!.scaleTargetRef.kind, 'Deployment');
        assert.equal(hpa.spec!.scaleTargetRef.name, name);
        assert.equal(hpa.spec!.minReplicas, 2);
        assert.equal(hpa.spec!.maxReplicas, 5);
        assert.equal(hpa.spec!.metrics[0].resource.target.averageUtilization, 50);
        assert.ok(hpa.spec!.behavior.scaleDown.stabilizationWindowSeconds > 0);
        const pdb = byKind(objs, 'PodDisruptionBudget').find((p) => p.metadata.name === name)!;
        assert.equal(pdb.spec!.selector.matchLabels['app.kubernetes.io/name'], name);
      }
    });

    test('the Ingress: the issue paths, rewrite /$2, regex everywhere, prefixes, the not-found catch-all, TLS; backends exist', () => {
      const ingresses = byKind(objs, 'Ingress');
      const paths = new Map<string, string>();
      for (const ing of ingresses) {
        const a = ing.metadata.annotations!;
        assert.equal(ing.spec!.ingressClassName, 'nginx');
        assert.ok(ing.spec!.tls[0].secretName && ing.spec!.tls[0].hosts.includes(ing.spec!.rules[0].host));
        for (const p of ing.spec!.rules[0].http.paths) {
          const svc = byKind(objs, 'Service').find((s) => s.metadata.name === p.backend.service.name);
          assert.ok(svc, `backend ${p.backend.service.name} exists`);
          assert.ok(svc.spec!.ports.some((sp: { port: number }) => sp.port === p.backend.service.port.number), 'backend port exists');
          paths.set(p.path, p.backend.service.name);
          assert.equal(a['nginx.ingress.kubernetes.io/use-regex'], 'true');
          if (p.path === '/.+') {
            // Every other path: catalog's 404 page, under catalog's prefix (the not-found Ingress).
            assert.equal(a['nginx.ingress.kubernetes.io/rewrite-target'], '/.ingress-default-backend');
            assert.equal(a['nginx.ingress.kubernetes.io/x-forwarded-prefix'], '/book');
          } else if (p.path !== '/$') {
            assert.equal(a['nginx.ingress.kubernetes.io/rewrite-target'], '/$2');
            assert.equal(a['nginx.ingress.kubernetes.io/x-forwarded-prefix'], p.path.replace('(/|$)(.*)', ''));
          }
        }
      }
      assert.deepEqual(Object.fromEntries(paths), { '/auth(/|$)(.*)': 'auth', '/book(/|$)(.*)': 'catalog', '/order(/|$)(.*)': 'order', '/$': 'catalog', '/.+': 'catalog' });
      const issuer = byKind(objs, 'ClusterIssuer')[0]!;
      assert.ok(issuer.spec!.acme.solvers[0].http01.ingress);
    });

    test('NetworkPolicies: deny by default, then only what the services need', () => {
      const nps = byKind(objs, 'NetworkPolicy');
      const deny = nps.find((n) => n.metadata.name === 'default-deny')!;
      assert.deepEqual(deny.spec!.podSelector, {});
      assert.deepEqual(deny.spec!.policyTypes, ['Ingress', 'Egress']);
      // The whole allowed graph: test/k8s/network-policies.test.ts.
      assert.ok(nps.some((n) => JSON.stringify(n.spec).includes('"port":53')), 'DNS');
      assert.ok(nps.some((n) => JSON.stringify(n.spec).includes('"port":3306')), 'MySQL');
    });

    test('covers on ReadWriteOnce (local) or ReadWriteMany EFS (aws); the database inside (local) or outside (aws)', () => {
      const pvc = byKind(objs, 'PersistentVolumeClaim').find((p) => p.metadata.name === 'catalog-covers')!;
      assert.deepEqual(pvc.spec!.accessModes, [overlay === 'aws' ? 'ReadWriteMany' : 'ReadWriteOnce']);
      const mysql = byKind(objs, 'Service').find((s) => s.metadata.name === 'mysql')!;
      if (overlay === 'aws') {
        assert.equal(mysql.spec!.type, 'ExternalName');
        assert.equal(byKind(objs, 'StatefulSet').length, 0);
        assert.equal(pvc.spec!.storageClassName, 'efs');
      } else {
        assert.equal(byKind(objs, 'StatefulSet')[0]?.metadata.name, 'mariadb');
        assert.equal(byKind(objs, 'StatefulSet')[0]?.spec!.replicas, 1);
      }
    });
  });
}
