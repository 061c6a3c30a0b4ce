// The twin's stand-in for AWS's two load balancers, one HAProxy container (twin/elb/Dockerfile):
//   - the ALB: its HTTP listener's redirect, its HTTPS listener (TLS with a self-signed certificate
//     instead of ACM's), and its target group: health check path, interval, timeout and thresholds,
//     deregistration delay, all read from the synthesised template. Like an ALB it adds
//     X-Forwarded-For/-Proto/-Port, balances round robin without stickiness, and never retries or
//     redispatches a request (retries 0);
//   - the internal NLB in front of the two HAProxy instances (TCP, its health check and idle timeout).
// Targets are registered and deregistered through HAProxy's runtime API, as the Auto Scaling Group
// does through the ELB API.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { docker, NETWORK, resourcesOf, type Template } from './twin.ts';

export const ELB_IP = '10.0.0.100';
const ELB_IMAGE = 'awstwin-elb:latest';
const CONTAINER = 'awstwin-elb';
const elbDir = new URL('../../twin/elb/', import.meta.url).pathname;

const attribute = (props: Record<string, any>, key: string) =>
  (props.TargetGroupAttributes as { Key: string; Value: string }[] | undefined)?.find((a) => a.Key === key)?.Value;

/** What the template says about the ALB and the NLB, as the stand-in applies it. */
export function albSettings(template: Template) {
  const listeners = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::Listener').map(([, r]) => r.Properties);
  const groups = resourcesOf(template, 'AWS::ElasticLoadBalancingV2::TargetGroup').map(([, r]) => r.Properties);
  const app = groups.find((g) => g.Protocol === 'HTTP')!;
  const nlb = groups.find((g) => g.Protocol === 'TCP')!;
  const redirect = listeners.find((l) => l.Port === 80)!.DefaultActions[0];
  const nlbListener = listeners.find((l) => l.Protocol === 'TCP')!;
  if (redirect.Type !== 'redirect' || redirect.RedirectConfig.Protocol !== 'HTTPS') throw new Error('the ALB does not redirect HTTP to HTTPS');
  return {
    redirect: { port: Number(redirect.RedirectConfig.Port), code: Number(String(redirect.RedirectConfig.StatusCode).replace('HTTP_', '')) },
    https: listeners.find((l) => l.Port === 443 && l.Protocol === 'HTTPS')!,
    app: {
      port: Number(app.Port),
      path: String(app.HealthCheckPath),
      interval: Number(app.HealthCheckIntervalSeconds),
      timeout: Number(app.HealthCheckTimeoutSeconds),
      healthy: Number(app.HealthyThresholdCount),
      unhealthy: Number(app.UnhealthyThresholdCount),
      code: String(app.Matcher.HttpCode),
      deregistrationDelay: Number(attribute(app, 'deregistration_delay.timeout_seconds')),
      sticky: attribute(app, 'stickiness.enabled') === 'true',
    },
    nlb: {
      port: Number(nlb.Port),
      interval: Number(nlb.HealthCheckIntervalSeconds),
      healthy: Number(nlb.HealthyThresholdCount),
      unhealthy: Number(nlb.UnhealthyThresholdCount),
      idleTimeout: Number((nlbListener.ListenerAttributes as { Key: string; Value: string }[]).find((a) => a.Key === 'tcp.idle_timeout.seconds')!.Value),
    },
  };
}
export type AlbSettings = ReturnType<typeof albSettings>;

/** HAProxy's configuration for both load balancers; every app target starts deregistered. */
export function renderElb(s: AlbSettings, appTargets: Record<string, string>, haproxies: Record<string, string>) {
  if (s.app.sticky) throw new Error('the stand-in balances without stickiness, as the template said');
  const a = s.app;
  return `# Rendered by deploy/aws/test/twin/elb.ts from the synthesised template.
global
    stats socket ipv4@0.0.0.0:9999 level admin
    log stdout format raw local0 info

defaults
    log global
    timeout connect 5s
    # An ALB never retries a request on another target, nor redispatches it.
    retries 0
    no option redispatch

frontend alb_http
    mode http
    bind :80
    timeout client 60s
    http-request redirect scheme https code ${s.redirect.code}

frontend alb_https
    mode http
    bind :443 ssl crt /elb/alb.pem ssl-min-ver TLSv1.2
    # The ALB's idle timeout (60 s); the app's keep-alive timeout (65 s) is longer.
    timeout client 60s
    timeout http-keep-alive 60s
    option forwardfor
    http-request set-header X-Forwarded-Proto https
    http-request set-header X-Forwarded-Port 443
    default_backend app

backend app
    mode http
    balance roundrobin
    timeout server 60s
    option httpchk GET ${a.path}
    http-check expect status ${a.code}
    timeout check ${a.timeout}s
    default-server check inter ${a.interval}s fall ${a.unhealthy} rise ${a.healthy}
${Object.entries(appTargets).map(([name, ip]) => `    server ${name} ${ip}:${a.port} disabled`).join('\n')}

listen nlb
    mode tcp
    bind :${s.nlb.port}
    balance roundrobin
    timeout client ${s.nlb.idleTimeout}s
    timeout server ${s.nlb.idleTimeout}s
    default-server check inter ${s.nlb.interval}s fall ${s.nlb.unhealthy} rise ${s.nlb.healthy}
${Object.entries(haproxies).map(([name, ip]) => `    server ${name} ${ip}:${s.nlb.port}`).join('\n')}
`;
}

/** Starts the stand-in with a fresh self-signed certificate for its address; returns the CA to trust. */
export async function startElb(dir: string, config: string) {
  const d = join(dir, 'elb');
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, 'haproxy.cfg'), config);
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${ELB_IP}`, '-addext', `subjectAltName=IP:${ELB_IP}`, '-keyout', join(d, 'key.pem'), '-out', join(d, 'cert.pem')], { stdio: 'ignore' });
  writeFileSync(join(d, 'alb.pem'), readFileSync(join(d, 'cert.pem'), 'utf8') + readFileSync(join(d, 'key.pem'), 'utf8'));
  await docker('build', '-q', '-t', ELB_IMAGE, elbDir);
  await docker('rm', '-f', CONTAINER).catch(() => undefined);
  await docker('run', '-d', '--name', CONTAINER, '--network', NETWORK, '--ip', ELB_IP, '-v', `${d}:/elb:ro`, ELB_IMAGE);
  return { container: CONTAINER, ca: readFileSync(join(d, 'cert.pem')) };
}

/** One command on the stand-in's runtime API. */
export function elbApi(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: ELB_IP, port: 9999 }, () => socket.end(`${command}\n`));
    let text = '';
    socket.on('data', (d) => (text += String(d)));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
}

/** A target's state in a backend (UP, DOWN, MAINT, …), from `show stat`. */
export async function targetState(backend: string, server: string) {
  const rows = (await elbApi('show stat')).split('\n').map((l) => l.split(','));
  return rows.find((c) => c[0] === backend && c[1] === server)?.[17] ?? 'unknown';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** RegisterTargets, then wait until the health checks count it healthy. */
export async function registerTarget(server: string, withinMs = 120_000) {
  await elbApi(`set server app/${server} state ready`);
  const until = Date.now() + withinMs;
  while (!(await targetState('app', server)).startsWith('UP')) {
    if (Date.now() > until) throw new Error(`target ${server} never became healthy (${await targetState('app', server)})`);
    await sleep(1000);
  }
}

/** DeregisterTargets: no new request goes to it; what is in flight may finish within the delay. */
export async function deregisterTarget(server: string) {
  await elbApi(`set server app/${server} state maint`);
}

/** Waits until the balancer's health checks mark a target (app or nlb backend) down. */
export async function waitUnhealthy(backend: 'app' | 'nlb', server: string, withinMs = 90_000) {
  const until = Date.now() + withinMs;
  while (!/DOWN|MAINT/.test(await targetState(backend, server))) {
    if (Date.now() > until) throw new Error(`${backend}/${server} is still ${await targetState(backend, server)}`);
    await sleep(1000);
  }
}
