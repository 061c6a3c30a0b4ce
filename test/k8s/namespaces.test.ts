// `kubectl apply -k` puts an object that names no namespace into the context's (usually `default`):
// there a StatefulSet cannot read bookstore-secrets, the services cannot resolve a `mysql` Service,
// and a NetworkPolicy applies to no pod of the shop. Every namespaced object of both overlays is in
// the shop's namespace (the k8s runner, test/k8s-run, looks Secrets and Services up per namespace).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { OVERLAYS, render } from './render.js';

// Cluster-scoped kinds the overlays render (no namespace is right for them).
const CLUSTER_SCOPED = new Set(['Namespace', 'StorageClass', 'ClusterIssuer']);

for (const overlay of OVERLAYS) {
  test(`${overlay}: every namespaced object is in namespace bookstore`, () => {
    const stray = render(overlay)
      .filter((o) => !CLUSTER_SCOPED.has(o.kind) && o.metadata.namespace !== 'bookstore')
      .map((o) => `${o.kind} ${o.metadata.name} in ${o.metadata.namespace ?? '(none: default)'}`);
    assert.deepEqual(stray, []);
  });
}
