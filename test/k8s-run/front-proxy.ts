// The ingress controller of the k8s runner: nginx on this machine, configured by
// scripts/ingress-nginx.mjs from the rendered Ingresses (TLS with a local certificate), each Service
// an upstream of its ready pods' addresses. Endpoints change → the config is written again and nginx
// reloaded (gracefully: requests in flight finish), one reload at a time as the controller syncs.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { freePort } from '../services/topology.js';
// @ts-expect-error -- a plain .mjs script, shared with the command line
import { nginxConfig as generate } from '../../scripts/ingress-nginx.mjs';

const nginxConfig = generate as (o: { ingressText: string; upstreams: Record<string, string>; listen: number; cert: string; key: string; prefix: string }) => string;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class FrontProxy {
  base = '';
  private port = 0;
  private pid = 0;
  private reloads: Promise<void> = Promise.resolve();

  constructor(
    private readonly dir: string,
    private readonly renderedText: string,
    /** The Ingresses' backend Services. */
    private readonly services: string[],
    /** A Service's ready endpoints (ip:port), read at every reload. */
    private readonly endpoints: (service: string) => string[],
  ) {}

  private config(): string {
    const upstreams = Object.fromEntries(this.services.map((s) => [s, `k8srun_${s}`]));
    const conf = nginxConfig({ ingressText: this.renderedText, upstreams, listen: this.port, cert: `${this.dir}/tls.crt`, key: `${this.dir}/tls.key`, prefix: this.dir });
    // A Service without ready endpoints has nothing to send to (nginx answers 502, the controller 503).
    const blocks = this.services.map((s) => {
      const servers = this.endpoints(s).length ? this.endpoints(s) : ['127.0.0.1:9 down'];
      return `  upstream k8srun_${s} {\n${servers.map((e) => `    server ${e};`).join('\n')}\n  }`;
    });
    return conf.replace('http {\n', `http {\n${blocks.join('\n')}\n`);
  }

  private nginx(extra: string[] = []): void {
    writeFileSync(`${this.dir}/nginx.conf`, this.config());
    execFileSync('nginx', ['-e', `${this.dir}/error.log`, '-p', this.dir, '-c', `${this.dir}/nginx.conf`, ...extra]);
  }

  async start(): Promise<void> {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=shop.example.com', '-addext', 'subjectAltName=DNS:shop.example.com,DNS:localhost,IP:127.0.0.1', '-keyout', `${this.dir}/tls.key`, '-out', `${this.dir}/tls.crt`], { stdio: 'ignore' });
    this.port = await freePort();
    this.nginx();
    this.pid = Number(readFileSync(`${this.dir}/nginx.pid`, 'utf8'));
    this.base = `https://127.0.0.1:${this.port}`;
  }

  reload(): Promise<void> {
    this.reloads = this.reloads.then(async () => {
      if (!this.pid) return;
      this.nginx(['-s', 'reload']);
      await sleep(300);
    });
    return this.reloads;
  }

  stop(): void {
    if (!this.pid) return;
    try {
      process.kill(this.pid, 'SIGQUIT');
    } catch {
      /* already gone */
    }
    this.pid = 0;
  }
}
