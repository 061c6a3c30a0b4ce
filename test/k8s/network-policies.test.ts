/* eslint-disable @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment, @typescript-eslint/no-unsafe-argument -- rendered YAML is untyped data; the assertions are the types */
// The NetworkPolicies as a CNI enforces them: pods chosen by their labels and their namespace's
// labels, deny by default once a policy selects a pod, a connection allowed only when the sender's
// egress and the receiver's ingress both allow it. The whole allowed graph, per overlay, is asserted
// exactly, so a missing rule (no certificate ever issued) and an extra one both fail.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { byKind, OVERLAYS, render, type K8sObject } from './render.js';

type Labels = Record<string, string>;
interface Selector { matchLabels?: Labels; matchExpressions?: { key: string; operator: string; values?: string[] }[] }
interface Port { port: number; protocol: string; name?: string }
interface Actor { name: string; namespace?: string; nsLabels?: Labels; labels?: Labels; ip?: string; ports: Port[] }
interface Peer { podSelector?: Selector; namespaceSelector?: Selector; ipBlock?: { cidr: string; except?: string[] } }
interface Rule { from?: Peer[]; to?: Peer[]; ports?: { port?: number | string; protocol?: string; endPort?: number }[] }

const NS = 'bookstore';

function matches(sel: Selector, labels: Labels = {}): boolean {
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of sel.matchExpressions ?? []) {
    const has = e.key in labels;
    const listed = has && (e.values ?? []).includes(labels[e.key]!);
    const ok = { In: listed, NotIn: !listed, Exists: has, DoesNotExist: !has }[e.operator];
    assert.ok(ok !== undefined, `operator ${e.operator}`);
    if (!ok) return false;
  }
  return true;
}

const ipNumber = (ip: string) => ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  return Math.floor(ipNumber(ip) / size) === Math.floor(ipNumber(base!) / size);
}

function peerMatches(peer: Peer, other: Actor): boolean {
  if (peer.ipBlock) return !!other.ip && inCidr(other.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c) => inCidr(other.ip!, c));
  if (!other.namespace) return false;
  if (peer.namespaceSelector ? !matches(peer.namespaceSelector, other.nsLabels) : other.namespace !== NS) return false;
  return !peer.podSelector || matches(peer.podSelector, other.labels);
}

function portMatches(rule: Rule, port: Port): boolean {
  if (!rule.ports?.length) return true;
  return rule.ports.some((p) => (p.protocol ?? 'TCP') === port.protocol && (p.port === undefined || p.port === port.port || p.port === port.name || (p.endPort !== undefined && port.port >= Number(p.port) && port.port <= p.endPort)));
}

/** Whether the policies of our namespace let `self` send to (egress) or receive from (ingress) `other` on `port`. */
function allowed(policies: K8sObject[], direction: 'Ingress' | 'Egress', self: Actor, other: Actor, port: Port): boolean {
  if (self.namespace !== NS) return true; // not governed by our policies
  const selecting = policies.filter((p) => matches(p.spec.podSelector, self.labels) && (p.spec.policyTypes as string[]).includes(direction));
  if (selecting.length === 0) return true;
  const rules = selecting.flatMap((p) => ((direction === 'Ingress' ? p.spec.ingress : p.spec.egress) ?? []) as Rule[]);
  return rules.some((r) => {
    const peers = direction === 'Ingress' ? r.from : r.to;
    return (!peers?.length || peers.some((peer) => peerMatches(peer, other))) && portMatches(r, port);
  });
}

function actors(objs: K8sObject[], overlay: string): Actor[] {
  const ns = byKind(objs, 'Namespace').find((n) => n.metadata.name === NS)!;
  const nsLabels = { ...ns.metadata.labels, 'kubernetes.io/metadata.name': NS };
  const workloads = [...byKind(objs, 'Deployment'), ...byKind(objs, 'StatefulSet')].map((w): Actor => ({
    name: w.metadata.name,
    namespace: NS,
    nsLabels,
    labels: w.spec.template.metadata.labels,
    ports: w.spec.template.spec.containers.flatMap((c: { ports?: { containerPort: number; protocol?: string; name?: string }[] }) => (c.ports ?? []).map((p) => ({ port: p.containerPort, protocol: p.protocol ?? 'TCP', name: p.name }))),
  }));
  return [
    ...workloads,
    // What the cluster adds: the ingress-nginx controller (its Helm chart's labels), cert-manager's
    // HTTP-01 solver pod (created in our namespace for each challenge), CoreDNS, any other pod.
    { name: 'ingress-nginx', namespace: 'ingress-nginx', nsLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' }, labels: { 'app.kubernetes.io/name': 'ingress-nginx', 'app.kubernetes.io/instance': 'ingress-nginx', 'app.kubernetes.io/component': 'controller' }, ports: [{ port: 443, protocol: 'TCP' }] },
    { name: 'acme-solver', namespace: NS, nsLabels, labels: { 'acme.cert-manager.io/http01-solver': 'true' }, ports: [{ port: 8089, protocol: 'TCP' }] },
    { name: 'kube-dns', namespace: 'kube-system', nsLabels: { 'kubernetes.io/metadata.name': 'kube-system' }, labels: { 'k8s-app': 'kube-dns' }, ports: [{ port: 53, protocol: 'UDP' }, { port: 53, protocol: 'TCP' }] },
    { name: 'stranger', namespace: 'default', nsLabels: { 'kubernetes.io/metadata.name': 'default' }, labels: { app: 'other' }, ports: [{ port: 8080, protocol: 'TCP' }] },
    { name: 'stranger-here', namespace: NS, nsLabels, labels: { app: 'debug' }, ports: [{ port: 8080, protocol: 'TCP' }] },
    // Outside the cluster, in the VPC: the scale-out stage's HAProxy (aws), and an internet host.
    ...(overlay === 'aws' ? [{ name: 'database', ip: '10.0.3.10', ports: [{ port: 3306, protocol: 'TCP' }] }] : []),
    { name: 'internet', ip: '93.184.216.34', ports: [{ port: 443, protocol: 'TCP' }, { port: 3306, protocol: 'TCP' }] },
    // A mail provider's SMTP submission server (SES, say), and an SMTP server inside the VPC.
    { name: 'smtp', ip: '52.0.0.25', ports: [{ port: 25, protocol: 'TCP' }, { port: 465, protocol: 'TCP' }, { port: 587, protocol: 'TCP' }] },
    { name: 'vpc-host', ip: '10.0.9.9', ports: [{ port: 587, protocol: 'TCP' }, { port: 22, protocol: 'TCP' }] },
  ];
}

function graph(objs: K8sObject[], overlay: string): string[] {
  const policies = byKind(objs, 'NetworkPolicy');
  const all = actors(objs, overlay);
  const edges: string[] = [];
  for (const src of all) {
    for (const dst of all) {
      if (src === dst || (src.namespace !== NS && dst.namespace !== NS)) continue;
      for (const port of dst.ports) {
        if (allowed(policies, 'Egress', src, dst, port) && allowed(policies, 'Ingress', dst, src, port)) edges.push(`${src.name} -> ${dst.name}:${port.port}/${port.protocol}`);
      }
    }
  }
  return edges.sort();
}

for (const overlay of OVERLAYS) {
  describe(`k8s/overlays/${overlay}: NetworkPolicies`, () => {
    test('the allowed graph is exactly what the shop needs', () => {
      const db = overlay === 'aws' ? 'database' : 'mariadb';
      const expected = [
        'ingress-nginx -> auth:5001/TCP',
        'ingress-nginx -> catalog:5002/TCP',
        'ingress-nginx -> order:5003/TCP',
        'ingress-nginx -> acme-solver:8089/TCP',
        'order -> catalog:5002/TCP',
        'order -> auth:5001/TCP',
        'catalog -> auth:5001/TCP',
        ...['auth', 'catalog', 'order'].flatMap((s) => [`${s} -> ${db}:3306/TCP`, `${s} -> kube-dns:53/UDP`, `${s} -> kube-dns:53/TCP`]),
        // The two that send e-mail reach a public SMTP server on the submission ports, nothing else.
        ...['auth', 'order'].flatMap((s) => [`${s} -> smtp:465/TCP`, `${s} -> smtp:587/TCP`]),
      ].sort();
      assert.deepEqual(graph(render(overlay), overlay), expected);
    });
  });
}
