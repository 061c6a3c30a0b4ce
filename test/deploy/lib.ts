// Helpers for the deployment tests (test/deploy/*.test.ts).
// Everything here talks to 127.0.0.1 only and cleans up what it starts.
import { spawn, spawnSync, type ChildProcess, type SpawnOptions } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const IN_CI = process.env.CI === 'true';

/** Absolute path of an executable on PATH (plus the sbin dirs nginx lives in), or null. */
export function which(bin: string): string | null {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).concat(['/usr/sbin', '/sbin', '/usr/local/sbin']);
  for (const dir of dirs) {
    if (!dir) continue;
    const p = path.join(dir, bin);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      /* not here */
    }
  }
  return null;
}

export interface Tools {
  /** false, or the reason to skip (only ever outside CI) */
  skip: string | false;
  /** what is missing (empty when all present) */
  missing: string[];
  path: Record<string, string>;
  /** Absolute path of a tool that was found (throws if it was not). */
  bin(name: string): string;
}

/**
 * Looks the binaries up. Outside CI a missing one makes the suite skip with a
 * message naming it; with CI=true, call assertTools() in before() so it fails.
 */
export function findTools(bins: string[]): Tools {
  const pathOf: Record<string, string> = {};
  const missing: string[] = [];
  for (const b of bins) {
    const p = which(b);
    if (p) pathOf[b] = p;
    else missing.push(b);
  }
  const msg = `missing: ${missing.join(', ')} (install with scripts/ci-install-deploy.sh)`;
  const bin = (name: string): string => {
    const p = pathOf[name];
    if (!p) throw new Error(`${name} is not installed`);
    return p;
  };
  return { skip: missing.length > 0 && !IN_CI ? msg : false, missing, path: pathOf, bin };
}

export function assertTools(t: Tools): void {
  if (t.missing.length > 0) {
    throw new Error(`CI=true and required tools are missing: ${t.missing.join(', ')} (run scripts/ci-install-deploy.sh)`);
  }
}

export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bookstore-${prefix}-`));
  // nginx workers run as an unprivileged user when the tests run as root.
  fs.chmodSync(dir, 0o755);
  return dir;
}

export function mkdirp(...parts: string[]): string {
  const p = path.join(...parts);
  fs.mkdirSync(p, { recursive: true, mode: 0o755 });
  return p;
}

export async function freePort(): Promise<number> {
  const srv = net.createServer();
  srv.listen(0, '127.0.0.1');
  await once(srv, 'listening');
  const { port } = srv.address() as net.AddressInfo;
  srv.close();
  await once(srv, 'close');
  return port;
}

/** Substitutes ${NAME} placeholders (like envsubst); fails on any that is left over. */
export function renderTemplate(text: string, vars: Record<string, string>): string {
  const out = text.replace(/\$\{([A-Z0-9_]+)\}/g, (m, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new Error(`template placeholder ${m} has no value`);
    return v;
  });
  return out;
}

export interface NginxLayout {
  prefix: string;
  conf: string;
  errorLog: string;
  accessLog: string;
  tlsDir: string;
  acmeRoot: string;
  uploadsDir: string;
  publicDir: string;
  cacheDir: string;
}

export interface NginxOptions {
  serverName: string;
  httpPort: number;
  httpsPort: number;
  appPort: number;
  publicDir?: string;
  /** nginx worker_processes: 1 for the tests; the bench uses `auto`, as the production image does. */
  workers?: string;
}

/**
 * Lays out a private nginx instance in a temp dir from the project's nginx/
 * directory: the template rendered with test values, the snippets copied next
 * to it, and a minimal main nginx.conf (like the official image's) that keeps
 * pid, logs and temp files inside the prefix.
 */
export function layoutNginx(opts: NginxOptions): NginxLayout {
  const prefix = tempDir('nginx');
  const confDir = mkdirp(prefix, 'conf');
  const logs = mkdirp(prefix, 'logs');
  mkdirp(prefix, 'tmp');
  const tlsDir = mkdirp(prefix, 'tls');
  const acmeRoot = mkdirp(prefix, 'acme');
  const uploadsDir = mkdirp(prefix, 'uploads');
  const publicDir = opts.publicDir ?? path.join(ROOT, 'public');
  fs.cpSync(path.join(ROOT, 'nginx', 'snippets'), path.join(confDir, 'snippets'), { recursive: true });
  const accessLog = path.join(logs, 'access.log');
  // nginx creates it (owned by its worker user) on start.
  const cacheDir = path.join(prefix, 'cache');
  const template = fs.readFileSync(path.join(ROOT, 'nginx', 'templates', 'bookstore.conf.template'), 'utf8');
  const rendered = renderTemplate(template, {
    NGINX_SERVER_NAME: opts.serverName,
    NGINX_HTTP_LISTEN: `127.0.0.1:${opts.httpPort}`,
    NGINX_HTTPS_LISTEN: `127.0.0.1:${opts.httpsPort}`,
    NGINX_APP_UPSTREAM: `127.0.0.1:${opts.appPort}`,
    NGINX_TLS_DIR: tlsDir,
    NGINX_ACME_ROOT: acmeRoot,
    NGINX_PUBLIC_DIR: publicDir,
    NGINX_UPLOADS_DIR: uploadsDir,
    NGINX_ACCESS_LOG: accessLog,
    NGINX_CACHE_DIR: cacheDir,
  });
  fs.writeFileSync(path.join(confDir, 'bookstore.conf'), rendered);
  const errorLog = path.join(logs, 'error.log');
  const tmp = path.join(prefix, 'tmp');
  const conf = path.join(confDir, 'nginx.conf');
  fs.writeFileSync(
    conf,
    `# test harness main config (the image uses its stock /etc/nginx/nginx.conf)
worker_processes ${opts.workers ?? '1'};
pid ${path.join(prefix, 'nginx.pid')};
error_log ${errorLog} info;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    client_body_temp_path ${tmp}/body;
    proxy_temp_path ${tmp}/proxy;
    fastcgi_temp_path ${tmp}/fastcgi;
    uwsgi_temp_path ${tmp}/uwsgi;
    scgi_temp_path ${tmp}/scgi;
    access_log ${path.join(logs, 'main-access.log')};
    include ${path.join(confDir, 'bookstore.conf')};
}
`,
  );
  return { prefix, conf, errorLog, accessLog, tlsDir, acmeRoot, uploadsDir, publicDir, cacheDir };
}

export function nginxArgs(l: NginxLayout): string[] {
  return ['-p', l.prefix, '-c', l.conf, '-e', l.errorLog];
}

/** The project's certificate selector (nginx/tls/bookstore-tls.sh select). */
export function selectCert(l: NginxLayout, domain: string, letsencryptDir: string): string {
  const r = spawnSync('sh', [path.join(ROOT, 'nginx', 'tls', 'bookstore-tls.sh'), 'select'], {
    env: { ...process.env, DOMAIN: domain, NGINX_TLS_DIR: l.tlsDir, LETSENCRYPT_DIR: letsencryptDir },
    encoding: 'utf8',
    timeout: 30_000,
  });
  if (r.status !== 0) throw new Error(`bookstore-tls.sh select failed: ${r.stderr}`);
  return r.stdout.trim();
}

export function run(
  cmd: string,
  args: string[],
  opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeout?: number } = {},
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(cmd, args, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    encoding: 'utf8',
    timeout: opts.timeout ?? 60_000,
    killSignal: 'SIGKILL',
  });
  if (r.error) throw r.error;
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Child processes started by a suite; stop() kills them all (TERM, then KILL). */
export class Procs {
  private list: { name: string; child: ChildProcess; out: string[] }[] = [];

  start(name: string, cmd: string, args: string[], opts: SpawnOptions = {}): ChildProcess {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'], ...opts });
    const out: string[] = [];
    const keep = (d: Buffer) => {
      out.push(d.toString());
      if (out.length > 2000) out.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('error', (e) => out.push(`spawn error: ${e.message}\n`));
    this.list.push({ name, child, out });
    return child;
  }

  output(name: string): string {
    return this.list
      .filter((p) => p.name === name)
      .map((p) => p.out.join(''))
      .join('');
  }

  /** Output of every process, for failure messages. */
  dump(): string {
    return this.list.map((p) => `----- ${p.name} (exit ${p.child.exitCode ?? p.child.signalCode ?? 'running'})\n${p.out.join('').slice(-4000)}`).join('\n');
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.list.map(async ({ child }) => {
        if (child.exitCode !== null || child.signalCode !== null) return;
        const exited = once(child, 'exit').catch(() => undefined);
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }),
    );
    this.list = [];
  }

  /** Last resort if the test process itself is exiting. */
  killAllSync(): void {
    for (const { child } of this.list) {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
  }
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((r) => setTimeout(r, ms));
}

export async function waitFor<T>(what: string, fn: () => Promise<T | undefined | false>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastErr: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      lastErr = e;
    }
    await sleep(200);
  }
  const why = lastErr instanceof Error ? `: ${lastErr.message}` : '';
  throw new Error(`timed out waiting for ${what}${why}`);
}

export interface Res {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
  text: string;
  socket?: tls.TLSSocket;
  peerCert?: tls.DetailedPeerCertificate;
  protocol?: string | null;
}

export interface ReqOpts {
  method?: string;
  headers?: Record<string, string | number>;
  body?: Buffer | string;
  /** https only */
  ca?: string | Buffer;
  servername?: string;
  minVersion?: tls.SecureVersion;
  maxVersion?: tls.SecureVersion;
  timeoutMs?: number;
}

/** One request to 127.0.0.1:port (no proxies, no keep-alive). */
export function request(scheme: 'http' | 'https', port: number, pathname: string, o: ReqOpts = {}): Promise<Res> {
  return new Promise((resolve, reject) => {
    const mod = scheme === 'https' ? https : http;
    let settled = false;
    const req = mod.request(
      {
        host: '127.0.0.1',
        port,
        path: pathname,
        method: o.method ?? 'GET',
        headers: o.headers,
        agent: false,
        ...(scheme === 'https'
          ? { ca: o.ca, servername: o.servername, minVersion: o.minVersion, maxVersion: o.maxVersion, rejectUnauthorized: true }
          : {}),
      } as https.RequestOptions,
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          settled = true;
          const body = Buffer.concat(chunks);
          const sock = res.socket as tls.TLSSocket;
          const isTls = scheme === 'https' && typeof sock.getPeerCertificate === 'function';
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body,
            text: body.toString('utf8'),
            peerCert: isTls ? sock.getPeerCertificate(true) : undefined,
            protocol: isTls ? sock.getProtocol() : undefined,
          });
        });
        res.on('error', (e) => {
          if (!settled) reject(e);
        });
      },
    );
    req.setTimeout(o.timeoutMs ?? 15_000, () => req.destroy(new Error(`timeout ${scheme}://127.0.0.1:${port}${pathname}`)));
    req.on('error', (e) => {
      // nginx may answer (413) and close before a large body is fully sent;
      // the response event still arrives, so only reject if nothing came back.
      setTimeout(() => {
        if (!settled) reject(e);
      }, 2000);
    });
    if (o.body !== undefined) req.end(o.body);
    else req.end();
  });
}

/** The certificate presented on a TLS handshake with 127.0.0.1:port. */
export function peerCertificate(port: number, servername: string): Promise<tls.PeerCertificate> {
  return new Promise((resolve, reject) => {
    const s = tls.connect({ host: '127.0.0.1', port, servername, rejectUnauthorized: false }, () => {
      const c = s.getPeerCertificate();
      s.end();
      resolve(c);
    });
    s.setTimeout(10_000, () => s.destroy(new Error('tls timeout')));
    s.on('error', reject);
  });
}

export function makeSelfSignedCa(dir: string, cn: string, sans: string): { cert: string; key: string } {
  const key = path.join(dir, `${cn}.key.pem`);
  const cert = path.join(dir, `${cn}.cert.pem`);
  const r = run('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', `/CN=${cn}`, '-addext', `subjectAltName=${sans}`, '-keyout', key, '-out', cert,
  ]);
  if (r.status !== 0) throw new Error(`openssl failed: ${r.stderr}`);
  return { cert, key };
}
