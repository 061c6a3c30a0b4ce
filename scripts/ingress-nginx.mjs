#!/usr/bin/env node
// Turns k8s/base/ingress.yaml into the nginx config ingress-nginx would run for it, so the local
// tests and deploy/local/services.sh put exactly the Ingress's paths, regexes, rewrites and
// X-Forwarded-Prefix in front of the services (the two cannot drift: this file is the only source).
//   node scripts/ingress-nginx.mjs --upstream auth=127.0.0.1:5001 --upstream catalog=... \
//     --listen 8443 --cert c.pem --key k.pem [--ingress k8s/base/ingress.yaml] \
//     [--default-backend catalog] > nginx.conf
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
    'default-backend': { type: 'string', default: 'catalog' },
  },
});

/** Every path of every Ingress, as ingress-nginx reads it. */
export function ingressLocations(text) {
  const out = [];
  for (const doc of parseAllDocuments(text)) {
    const ing = doc.toJS();
    if (ing?.kind !== 'Ingress') continue;
    const a = ing.metadata.annotations ?? {};
    for (const rule of ing.spec.rules ?? []) {
      for (const p of rule.http?.paths ?? []) {
        out.push({
          ingress: ing.metadata.name,
          path: p.path,
          exact: p.pathType === 'Exact',
          regex: a['nginx.ingress.kubernetes.io/use-regex'] === 'true',
          rewrite: a['nginx.ingress.kubernetes.io/rewrite-target'],
          prefix: a['nginx.ingress.kubernetes.io/x-forwarded-prefix'],
          bodySize: a['nginx.ingress.kubernetes.io/proxy-body-size'],
          service: p.backend.service.name,
          port: p.backend.service.port.number,
        });
      }
    }
  }
  return out;
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
  const target = upstreams[l.service];
  if (!target) throw new Error(`no --upstream for service ${l.service}`);
  // ingress-nginx: an Exact path is `location =`; with use-regex a path is a case-insensitive regex
  // anchored at the start, and rewrite-target becomes a rewrite of that regex.
  const head = l.exact ? `location = ${l.path}` : l.regex ? `location ~* ${q(`^${l.path}`)}` : `location ${l.path}`;
  const lines = [`  ${head} {`];
  if (l.rewrite && !l.exact) lines.push(`    rewrite ${q(`(?i)${l.path}`)} ${l.rewrite} break;`);
  if (l.bodySize) lines.push(`    client_max_body_size ${l.bodySize};`);
  if (l.prefix) lines.push(`    proxy_set_header X-Forwarded-Prefix ${q(l.prefix)};`);
  lines.push(...PROXY_HEADERS, `    proxy_pass http://${target};`, '  }');
  return lines.join('\n');
}

/**
 * Where ingress-nginx sends what no Ingress path matches: its default backend. Ours is one of the
 * services, so the answer is the shop's own 404 page with its security headers, not nginx's bare
 * one. Every such request reaches it as a GET without a body of one path it has no route for (and
 * with its Ingress's X-Forwarded-Prefix), so nothing else of that service is reachable this way.
 */
function defaultBackend(service, locations, upstreams) {
  const target = upstreams[service];
  if (!target) throw new Error(`no --upstream for the default backend ${service}`);
  const prefix = locations.find((l) => l.service === service && l.prefix)?.prefix;
  return [
    '  location / {',
    '    rewrite ^ /.ingress-default-backend break;',
    '    proxy_method GET;',
    '    proxy_pass_request_body off;',
    '    proxy_set_header Content-Length "";',
    '    proxy_set_header Content-Type "";',
    ...(prefix ? [`    proxy_set_header X-Forwarded-Prefix ${q(prefix)};`] : []),
    ...PROXY_HEADERS,
    `    proxy_pass http://${target};`,
    '  }',
  ].join('\n');
}

export function nginxConfig({ ingressText, upstreams, listen, cert, key, prefix, bind = '127.0.0.1', defaultService = 'catalog' }) {
  const paths = ingressLocations(ingressText);
  const locations = paths
    // ingress-nginx orders regex locations by path length, longest first.
    .sort((a, b) => b.path.length - a.path.length)
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
${defaultBackend(defaultService, paths, upstreams)}
  }
}
`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const upstreams = Object.fromEntries(values.upstream.map((u) => u.split('=')));
  process.stdout.write(nginxConfig({ ingressText: readFileSync(values.ingress, 'utf8'), upstreams, listen: values.listen, cert: values.cert, key: values.key, prefix: values.prefix, bind: values.bind, defaultService: values['default-backend'] }));
}
