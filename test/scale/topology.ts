// The scale-out topology of deploy/local/scale-out.sh, brought up once per test file, and the
// clients the tests use through its load balancer: a browser-like agent (cookies, CSRF, TLS
// checked against the balancer's own certificate) and a bounded load loop.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import supertest from 'supertest';
import { checkoutTokenFrom } from '../helpers/orders.js';
import { csrfFrom, uniqueEmail } from '../helpers/users.js';

const run = promisify(execFile);
const script = join(import.meta.dirname, '..', '..', 'deploy', 'local', 'scale-out.sh');

export type Member = 'db-primary' | 'db-replica' | 'db-haproxy' | 'lb' | 'app1' | 'app2';

export interface Topology {
  base: string;
  dir: string;
  env: Record<string, string>;
  ca: Buffer;
  /** The script itself: `pids`, `promote`, `start NAME`. */
  cli(...args: string[]): Promise<string>;
  pids(): Promise<Partial<Record<Member, number>>>;
  /** A root connection straight to one database server (not through HAProxy). */
  database(member: 'db-primary' | 'db-replica'): Promise<mysql.Connection>;
  /** One command on a HAProxy runtime API (the database proxy's or the balancer's). */
  haproxy(which: 'db' | 'lb', command: string): Promise<string>;
  down(): Promise<void>;
}

export async function scaleOutUp(): Promise<Topology> {
  const dir = join(tmpdir(), `bookstore-scale-out-${randomBytes(4).toString('hex')}`);
  const env = { ...process.env, SCALE_OUT_DIR: dir, SCALE_OUT_BUILD: process.env.SCALE_OUT_BUILD ?? '1' };
  const cli = async (...args: string[]) => (await run('bash', [script, ...args], { env, maxBuffer: 1 << 20 })).stdout;
  let out: string;
  try {
    out = await cli('up');
  } catch (err) {
    await cli('down').catch(() => undefined);
    throw err;
  }
  const base = /^BASE=(https:\/\/127\.0\.0\.1:\d+)$/m.exec(out)?.[1];
  if (!base) throw new Error(`scale-out.sh up printed no BASE= line:\n${out}`);
  const values = Object.fromEntries(
    (await cli('env'))
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]),
  );
  return {
    base,
    dir,
    env: values,
    ca: readFileSync(values.LB_CERT!),
    cli,
    async pids() {
      const lines = (await cli('pids')).trim().split('\n').filter(Boolean);
      const pairs = lines.map((l): [string, number] => [l.split(' ')[0]!, Number(l.split(' ')[1])]);
      return Object.fromEntries(pairs);
    },
    database(member) {
      return mysql.createConnection({ socketPath: join(dir, member, 'mysqld.sock'), user: 'root', database: 'bookstore' });
    },
    async haproxy(which, command) {
      const port = which === 'db' ? values.DB_HAPROXY_ADMIN_PORT : values.LB_ADMIN_PORT;
      const { createConnection } = await import('node:net');
      return new Promise((resolve, reject) => {
        const socket = createConnection({ host: '127.0.0.1', port: Number(port) }, () => socket.end(`${command}\n`));
        let text = '';
        socket.on('data', (d) => (text += String(d)));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
    },
    async down() {
      await cli('down');
    },
  };
}

/** The state of one server in `show stat` (UP, DOWN, MAINT, no check…) and its session counts. */
export async function serverStat(topology: Topology, which: 'db' | 'lb', backend: string, server: string) {
  const csv = await topology.haproxy(which, 'show stat');
  const header = csv.split('\n')[0]!.replace(/^# /, '').split(',');
  const row = csv
    .split('\n')
    .map((l) => l.split(','))
    .find((cols) => cols[0] === backend && cols[1] === server);
  if (!row) throw new Error(`no ${backend}/${server} in show stat`);
  const col = (name: string) => row[header.indexOf(name)] ?? '';
  return { status: col('status'), current: Number(col('scur')), total: Number(col('stot')) };
}

export type Agent = ReturnType<typeof supertest.agent>;

/**
 * A browser-like client of the balancer: keeps cookies and trusts only the balancer's certificate.
 * It reads English, like the other tests' agents (the shop speaks Spanish to a browser that names
 * no language): the assertions here are on names and titles, but the page texts quoted in errors
 * (buyOne's "shows no buy form: …") are then the ones in the code.
 */
export function browser(topology: Topology): Agent {
  return supertest.agent(topology.base).ca(topology.ca).set('Accept-Language', 'en');
}

export const PASSWORD = 'a long and unusual passphrase';

/** Registers through the real form (and so is logged in); returns the agent. */
export async function registerShopper(topology: Topology, name: string): Promise<{ agent: Agent; email: string }> {
  const agent = browser(topology);
  const email = uniqueEmail(name.toLowerCase().replace(/\W+/g, '.'));
  const page = await agent.get('/register');
  const res = await agent.post('/register').type('form').send({ _csrf: csrfFrom(page.text), name, email, password: PASSWORD, password_confirm: PASSWORD });
  if (res.status !== 302) throw new Error(`registration answered ${res.status}: ${res.text.slice(0, 300)}`);
  return { agent, email };
}

/** Publishes a book through the selling form; returns its id and the instance that took it. */
export async function publishBook(agent: Agent, fields: { title: string; price: string; stock: string }, cover?: Buffer) {
  const page = await agent.get('/book/add_book');
  let req = agent
    .post('/book/add_book')
    .field('_csrf', csrfFrom(page.text))
    .field('title', fields.title)
    .field('author', 'Octavia E. Butler')
    .field('description', 'A well-kept copy, no marks.')
    .field('condition', 'good')
    .field('price', fields.price)
    .field('stock', fields.stock);
  if (cover) req = req.attach('cover', cover, { filename: 'cover.png', contentType: 'image/png' });
  const res = await req;
  const id = /^\/book\/(\d+)$/.exec(res.headers.location ?? '')?.[1];
  if (res.status !== 302 || !id) throw new Error(`publishing answered ${res.status}: ${res.text.slice(0, 300)}`);
  return { id: Number(id), instance: String(res.headers['x-instance']) };
}

/** Buy now, one copy, with the page's own checkout token: the status, and the purchase id on success. */
export async function buyOne(agent: Agent, bookId: number): Promise<{ status: number; purchaseId?: number; instance: string }> {
  const page = await agent.get(`/buy/${bookId}`);
  if (page.status !== 200) return { status: page.status, instance: String(page.headers['x-instance']) };
  if (!page.text.includes('name="checkout_token"')) {
    const said = /<h1[^>]*>([^<]*)<\/h1>[\s\S]*?<p[^>]*>([^<]*)/.exec(page.text);
    throw new Error(`/buy/${bookId} (${String(page.headers['x-instance'])}) shows no buy form: ${said?.[1]} ${said?.[2]}`);
  }
  const res = await agent
    .post(`/buy/${bookId}`)
    .type('form')
    .send({ _csrf: csrfFrom(page.text), checkout_token: checkoutTokenFrom(page.text), quantity: '1' });
  const id = /^\/delivery\/(\d+)$/.exec(res.headers.location ?? '')?.[1];
  return { status: res.status, purchaseId: id ? Number(id) : undefined, instance: String(res.headers['x-instance']) };
}

export interface LoadResult {
  statuses: Map<number, number>;
  errors: string[];
  byInstance: Map<string, number>;
  /** Each answer other than 200: "status path (instance)". */
  failures: string[];
  total: number;
}

/**
 * GETs the paths round robin with `connections` parallel keep-alive clients until `stop()` (or
 * `maxMs`, a bound so a broken test cannot loop for ever). Every answer's status and every socket
 * error is counted.
 */
export function startLoad(topology: Topology, paths: string[], connections = 8, maxMs = 30_000) {
  const agent = new HttpsAgent({ keepAlive: true, ca: topology.ca, maxSockets: connections });
  const url = new URL(topology.base);
  const result: LoadResult = { statuses: new Map(), errors: [], byInstance: new Map(), failures: [], total: 0 };
  let stopped = false;
  const deadline = Date.now() + maxMs;
  const one = (path: string) =>
    new Promise<void>((resolve) => {
      const req = httpsRequest({ host: url.hostname, port: url.port, path, agent, method: 'GET' }, (res) => {
        res.resume();
        res.on('end', () => {
          result.total++;
          result.statuses.set(res.statusCode!, (result.statuses.get(res.statusCode!) ?? 0) + 1);
          const instance = String(res.headers['x-instance'] ?? '?');
          result.byInstance.set(instance, (result.byInstance.get(instance) ?? 0) + 1);
          if (res.statusCode !== 200) result.failures.push(`${res.statusCode} ${path} (${instance})`);
          resolve();
        });
      });
      req.setTimeout(10_000, () => req.destroy(new Error('timed out')));
      req.on('error', (err) => {
        result.total++;
        result.errors.push(`${path}: ${err.message}`);
        resolve();
      });
      req.end();
    });
  const workers = Array.from({ length: connections }, async (_, w) => {
    for (let i = w; !stopped && Date.now() < deadline; i++) await one(paths[i % paths.length]!);
  });
  return {
    result,
    async stop(): Promise<LoadResult> {
      stopped = true;
      await Promise.all(workers);
      agent.destroy();
      return result;
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits for a process to exit (polling; it is not our child). */
export async function exited(pid: number, withinMs = 15_000): Promise<boolean> {
  const until = Date.now() + withinMs;
  while (Date.now() < until) {
    try {
      process.kill(pid, 0);
    } catch {
      return true;
    }
    await sleep(100);
  }
  return false;
}

