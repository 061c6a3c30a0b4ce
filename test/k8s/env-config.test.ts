/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- rendered YAML is untyped data; the assertions are the types */
// Every pod of both overlays starts with the environment a cluster gives it: the rendered
// ConfigMaps and the Secret made the way docs/services.md says. Each service's environment passes
// its own config loader (the one the entry point runs, so a missing variable would exit the pod).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import type { ServiceName } from '../../src/http/urls.js';
import { loadServiceConfig } from '../../src/services/service.config.js';
import { byKind, containerEnv, documentedSecrets, OVERLAYS, render } from './render.js';

const secrets = documentedSecrets();

test('docs/services.md creates the Secret with k8s/make-secrets.sh', () => {
  assert.ok(readFileSync('docs/services.md', 'utf8').includes('sh k8s/make-secrets.sh'), 'docs/services.md runs k8s/make-secrets.sh');
  assert.deepEqual(secrets.map((s) => [s.kind, s.metadata.name, s.metadata.namespace]), [['Secret', 'bookstore-secrets', 'bookstore']]);
});

for (const overlay of OVERLAYS) {
  describe(`k8s/overlays/${overlay}: every container's environment`, () => {
    const objs = [...render(overlay), ...secrets];

    for (const name of ['auth', 'catalog', 'order'] as ServiceName[]) {
      test(`${name}: the rendered env passes loadServiceConfig`, () => {
        const dep = byKind(objs, 'Deployment').find((d) => d.metadata.name === name);
        assert.ok(dep, `Deployment ${name}`);
        for (const c of dep.spec.template.spec.containers) {
          const config = loadServiceConfig(name, containerEnv(c, objs));
          assert.equal(config.isProduction, true);
          assert.equal(config.service, name);
          assert.equal(config.port, Number(c.ports[0].containerPort));
          assert.match(config.databaseUrl, new RegExp(`/bookstore_${name}$`), 'its own database');
          // Sessions are auth's: the other services reach them through auth's API, never its database.
          const others = Object.entries(containerEnv(c, objs)).filter(([, v]) => /^mysql:\/\//.test(String(v)) && !String(v).endsWith(`/bookstore_${name}`));
          assert.deepEqual(others.map(([k]) => k), [], 'no database URL but its own');
        }
      });
    }

    test('every other container (the database, init containers) finds its Secret keys', () => {
      for (const w of [...byKind(objs, 'StatefulSet'), ...byKind(objs, 'Deployment')]) {
        const spec = w.spec.template.spec;
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) assert.doesNotThrow(() => containerEnv(c, objs), `${w.metadata.name}/${c.name}`);
      }
    });
  });
}
