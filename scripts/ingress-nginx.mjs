#!/usr/bin/env node
// Turns k8s/base/ingress.yaml into the nginx config ingress-nginx would run for it, so the local
// tests and deploy/local/services.sh put exactly the Ingress's paths, regexes, rewrites and
// X-Forwarded-Prefix in front of the services (the two cannot drift: this file is the only source).
//   node scripts/ingress-nginx.mjs --upstream auth=127.0.0.1:5001 --upstream catalog=... \
//     --listen 8443 --cert c.pem --key k.pem [--ingress k8s/base/ingress.yaml] > nginx.conf
// Prints a whole nginx.conf (to run with `nginx -c`), with its temp paths under --prefix (its
// workers must be able to reach them: started as root, they run as `nobody`).
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { parseAllDocuments } from 'yaml';

const { values } = parseArgs({
  options: {
    ingress: { type: 'string', default: 'k8s/base/ingress.yaml' },
    upstream: { type: 'string', multiple: true, default: [] },
    listen: { type: 'string', default: '8443' },
    cert: { type: 'string' },
    key: { type: 'string' },
    prefix: { type: 'string', default: '/tmp' },
    bind: { type: 'string', default: '127.0.0.1' },
  },
});

/**
 * The locations ingress-nginx builds for the host of these Ingresses, in its order
 * (internal/ingress/controller/controller.go createServers and the sort before rendering;
 * template.go enforceRegexModifier and buildLocation).
 */
export function ingressLocations(text) {
  const ingresses = parseAllDocuments(text).map((d) => d.toJS()).filter((o) => o?.kind === 'Ingress');
  const hosts = new Set(ingresses.flatMap((ing) => (ing.spec.rules ?? []).map((r) => r.host)));
  if (hosts.size > 1) throw new Error(`one host only (this nginx has one server): ${[...hosts].join(', ')}`);
  // Every server starts with the default backend at `/` (Prefix); a path `/` of the same type replaces it.
  const out = [{ path: '/', pathType: 'Prefix', defaultBackend: true }];
  for (const ing of ingresses) {
    // An Ingress's own default backend changes the root location of the first Ingress of the host
    // (createServers); this emulator does not model it, so it refuses it rather than route otherwise.
    if (ing.spec.defaultBackend) throw new Error(`Ingress ${ing.metadata.name}: spec.defaultBackend is not handled here`);
    const a = ing.metadata.annotations ?? {};
    for (const rule of ing.spec.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        const loc = {
          ingress: ing.metadata.name,
          path: p.path,
          pathType: p.pathType ?? 'ImplementationSpecific',
          useRegex: a['nginx.ingress.kubernetes.io/use-regex'] === 'true',
          rewrite: a['nginx.ingress.kubernetes.io/rewrite-target'],
          prefix: a['nginx.ingress.kubernetes.io/x-forwarded-prefix'],
          bodySize: a['nginx.ingress.kubernetes.io/proxy-body-size'],
          service: p.backend.service.name,
          port: p.backend.service.port.number,
        };
        // Same path and type: the first Ingress keeps it (unless it is the default backend's).
        const same = out.find((l) => l.path === loc.path && l.pathType === loc.pathType);
        if (same?.defaultBackend) Object.assign(same, loc, { defaultBackend: false });
        else if (!same) out.push(loc);
      }
    }
  }
  // The controller sorts by path, descending, then (stable) by path length, longest first.
  out.sort((x, y) => (x.path < y.path ? 1 : x.path > y.path ? -1 : 0)).sort((x, y) => y.path.length - x.path.length);
  // One location of the host with use-regex or a rewrite-target makes every location of the host a
  // case-insensitive regex: an Exact `/` is then `~* "^/"`, no longer `= /` (ingress-nginx #10618).
  const regex = out.some((l) => l.useRegex || (l.rewrite && l.rewrite !== l.path));
  return out.map((l) => ({ ...l, regex, exact: l.pathType === 'Exact' }));
}

const q = (s) => `"${String(s).replace(/["\\]/g, '\\$&')}"`;

// What every proxied request carries, as ingress-nginx sets it. X-Forwarded-For is the address
// nginx saw, never the client's own header appended to (ingress-nginx's default without
// use-forwarded-headers, and the monolith's nginx): the services limit logins by it.
const PROXY_HEADERS = [
  '    proxy_set_header Host $host;',
  '    proxy_set_header X-Real-IP $remote_addr;',
  '    proxy_set_header X-Forwarded-For $remote_addr;',
  '    proxy_set_header X-Forwarded-Proto $scheme;',
  '    proxy_set_header X-Forwarded-Host $host;',
  // Passed explicitly (nginx would pass it anyway): without a lang cookie the services choose the
  // page's language from it, so it must reach them as the browser sent it.
  '    proxy_set_header Accept-Language $http_accept_language;',
  '    proxy_http_version 1.1;',
  '    proxy_set_header Connection "";',
];

function location(l, upstreams) {
  // template.go buildLocation: host-wide regex first, then Exact, then a prefix.
  const head = l.regex ? `location ~* ${q(`^${l.path}`)}` : l.exact ? `location = ${q(l.path)}` : `location ${q(l.path)}`;
  if (l.defaultBackend) return defaultBackend(head);
  const target = upstreams[l.service];
  if (!target) throw new Error(`no --upstream for service ${l.service}`);
  const lines = [`  ${head} {`];
  // buildProxyPass: rewrite-target becomes a rewrite of the path's regex.
  if (l.rewrite && l.rewrite !== l.path) lines.push(`    rewrite ${q(`(?i)${l.path}`)} ${l.rewrite} break;`);
  if (l.bodySize) lines.push(`    client_max_body_size ${l.bodySize};`);
  if (l.prefix) lines.push(`    proxy_set_header X-Forwarded-Prefix ${q(l.prefix)};`);
  lines.push(...PROXY_HEADERS, `    proxy_pass http://${target};`, '  }');
  return lines.join('\n');
}

/**
 * What no Ingress path matches: the controller's default backend. Installed as docs/services.md says
 * (no --default-backend-service), that is the controller's own server answering 404; the shop's
 * Ingresses leave nothing to it (the not-found Ingress takes every other path).
 */
function defaultBackend(head) {
  return [`  ${head} {`, '    return 404;', '  }'].join('\n');
}

export function nginxConfig({ ingressText, upstreams, listen, cert, key, prefix, bind = '127.0.0.1' }) {
  const locations = ingressLocations(ingressText)
    .map((l) => location(l, upstreams))
    .join('\n');
  return `# Generated by scripts/ingress-nginx.mjs from k8s/base/ingress.yaml: do not edit.
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 256; }
http {
  access_log ${prefix}/access.log;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen ${bind}:${listen} ssl;
    server_name _;
    ssl_certificate ${cert};
    ssl_certificate_key ${key};
    ssl_protocols TLSv1.2 TLSv1.3;
    # ingress-nginx sends HSTS on TLS hosts.
    add_header Strict-Transport-Security "max-age=15724800; includeSubDomains" always;
${locations}
  }
}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const upstreams = Object.fromEntries(values.upstream.map((u) => u.split('=')));
  process.stdout.write(nginxConfig({ ingressText: readFileSync(values.ingress, 'utf8'), upstreams, listen: values.listen, cert: values.cert, key: values.key, prefix: values.prefix, bind: values.bind }));
}
