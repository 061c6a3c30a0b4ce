// The app beside the performance floor (../shared/bench/floor), in one run on one database:
// wrk -t2 -c32, alternating project and floor, two passes each after a warm-up; the app built
// and started as in production (`node dist/server.js`, NODE_ENV=production, the Dockerfile's
// NODE_OPTIONS). Prints each case as project ÷ floor against its target.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import mysql from 'mysql2/promise';
import { dropDatabase } from '../src/db/migrate.js';
import { layoutNginx, nginxArgs, selectCert } from '../test/deploy/lib.js';
import { freePort, productionEnv, waitForPing } from './app-process.js';

const ROOT = resolve(import.meta.dirname, '..');
const FLOOR_DIR = resolve(ROOT, '..', 'shared', 'bench', 'floor');
/** The runtime flags the image runs the app with: read from the Dockerfile's ENV NODE_OPTIONS. */
export const APP_NODE_OPTIONS = /NODE_OPTIONS="([^"]*)"/.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))?.[1] ?? '';
const HOST = 'shop.bookstore.test';

export interface FloorBenchOptions {
  server: string;
  books: number;
  seconds: number;
  rssSeconds: number;
}

interface WrkResult {
  rps: number;
  p99Ms: number;
  non2xx: number;
}

function wrk(url: string, seconds: number, headers: Record<string, string> = {}): WrkResult {
  const args = ['-t2', '-c32', `-d${seconds}s`, '--latency', ...Object.entries(headers).flatMap(([k, v]) => ['-H', `${k}: ${v}`]), url];
  const out = execFileSync('wrk', args, { encoding: 'utf8' });
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1]);
  const p99 = /\s99%\s+([\d.]+)(us|ms|s)\b/.exec(out);
  const p99Ms = p99 ? Number(p99[1]) * (p99[2] === 'us' ? 0.001 : p99[2] === 's' ? 1000 : 1) : NaN;
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { rps, p99Ms, non2xx };
}

function spawnQuiet(cmd: string, args: string[], env: NodeJS.ProcessEnv, cwd = ROOT): ChildProcess {
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('error', (err) => console.error(`${cmd}: ${err.message}`));
  return child;
}

async function stop(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 2000);
  await exited;
  clearTimeout(timer);
}

function rssMb(pid: number): number {
  const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
  return Number(kb) / 1024;
}

/** Logs a seller-free shopper in through the form (over "HTTPS" as the trusted proxy says) and returns the cookie. */
async function loginCookie(base: string, email: string, password: string): Promise<string> {
  const proxied = { 'X-Forwarded-Proto': 'https' };
  const form = await fetch(`${base}/login`, { headers: proxied });
  const cookie = (form.headers.get('set-cookie') ?? '').split(';')[0]!;
  const csrf = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { ...proxied, Cookie: cookie, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ email, password, _csrf: csrf }),
  });
  const session = (res.headers.get('set-cookie') ?? '').split(';')[0];
  if (res.status !== 302 || !session) throw new Error(`bench login failed with ${res.status}`);
  return session;
}

export interface FloorCase {
  name: string;
  project: WrkResult[];
  floor: WrkResult[];
  ratio: number;
  target: string;
  ok: boolean;
}

export async function runFloorBench(o: FloorBenchOptions): Promise<{ cases: FloorCase[]; rss: number; floorRss: number; p99Ratio: number; nodeVersion: string }> {
  if (!existsSync(join(FLOOR_DIR, 'server.mjs'))) throw new Error(`the floor is not at ${FLOOR_DIR}`);
  if (!existsSync(join(FLOOR_DIR, 'node_modules'))) execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: FLOOR_DIR, stdio: 'inherit' });
  execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });

  const database = `bookstore_bench_floor_${randomBytes(3).toString('hex')}`;
  const databaseUrl = `${o.server}/${database}`;
  const uploadDir = mkdtempSync(join(tmpdir(), 'bookstore-bench-'));
  const env = productionEnv(databaseUrl, uploadDir, { TRUST_PROXY: 'loopback' });
  const procs: ChildProcess[] = [];
  let nginxPrefix: string | undefined;
  try {
    execFileSync(process.execPath, ['--import', 'tsx', 'src/seed.cli.ts', '--books', String(o.books), '--users', '100', '--covers', '24', '--seed', '42'], { cwd: ROOT, env, stdio: ['ignore', 'ignore', 'inherit'] });
    const conn = await mysql.createConnection({ uri: databaseUrl });
    const [[buyer]] = await conn.query<mysql.RowDataPacket[]>('SELECT email FROM users ORDER BY id LIMIT 1');
    await conn.end();

    const appPort = await freePort();
    const app = spawnQuiet(process.execPath, ['dist/server.js'], { ...env, PORT: String(appPort), NODE_OPTIONS: APP_NODE_OPTIONS });
    procs.push(app);
    const base = `http://127.0.0.1:${appPort}`;
    await waitForPing(base, app);

    const floorPort = await freePort();
    const floorEnv = { ...process.env, NODE_ENV: 'production', DB_URL: databaseUrl, PORT: String(floorPort), FLOOR_SQL: 'SELECT id,title,author,price_cents AS price,stock FROM books ORDER BY id DESC LIMIT 24' };
    const floor = spawnQuiet(process.execPath, ['server.mjs'], floorEnv, FLOOR_DIR);
    procs.push(floor);
    const floorBase = `http://127.0.0.1:${floorPort}`;
    await waitForPing(floorBase, floor);

    const [httpPort, httpsPort] = [await freePort(), await freePort()];
    const layout = layoutNginx({ serverName: HOST, httpPort, httpsPort, appPort, workers: 'auto' });
    nginxPrefix = layout.prefix;
    selectCert(layout, HOST, join(layout.prefix, 'letsencrypt'));
    procs.push(spawnQuiet('nginx', [...nginxArgs(layout), '-g', 'daemon off;'], process.env));
    const cached = `https://127.0.0.1:${httpsPort}/book/catalog`;
    for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${httpPort}/`, { redirect: 'manual' }).then((r) => r.status === 301, () => false)); i++) await new Promise((r) => setTimeout(r, 100));

    const cookie = await loginCookie(base, String(buyer!.email), 'demo reader passphrase');
    const loggedIn = { Cookie: cookie, 'X-Forwarded-Proto': 'https' };
    const page = await fetch(`${base}/book/catalog`, { headers: loggedIn }).then((r) => r.text());
    const buyForms = (page.match(/name="checkout_token"/g) ?? []).length;
    if (!/action="\/logout"/.test(page)) throw new Error('the logged-in catalog page is not logged in');

    const pairs: { name: string; project: () => WrkResult; floor: () => WrkResult; min: number; target: string }[] = [
      { name: `anonymous catalog page 1 (${o.books.toLocaleString('en-US')} books) ÷ floor /`, project: () => wrk(`${base}/book/catalog`, o.seconds), floor: () => wrk(`${floorBase}/`, o.seconds), min: 0.6, target: '≥ 0.6×' },
      { name: `logged-in catalog (${buyForms} buy forms) ÷ floor /`, project: () => wrk(`${base}/book/catalog`, o.seconds, loggedIn), floor: () => wrk(`${floorBase}/`, o.seconds), min: 0.4, target: '≥ 0.4×' },
      { name: '/ping ÷ floor /ping', project: () => wrk(`${base}/ping`, o.seconds), floor: () => wrk(`${floorBase}/ping`, o.seconds), min: 0.8, target: '≥ 0.8×' },
      { name: 'through nginx with the micro-cache ÷ floor /', project: () => wrk(cached, o.seconds, { Host: HOST }), floor: () => wrk(`${floorBase}/`, o.seconds), min: 3, target: '≥ 3×' },
    ];
    const cases: FloorCase[] = [];
    let p99Ratio = NaN;
    for (const pair of pairs) {
      pair.project.call(null); // warm-up (JIT, view cache, buffer pool), not counted
      pair.floor.call(null);
      const project: WrkResult[] = [];
      const floorRuns: WrkResult[] = [];
      for (let pass = 0; pass < 2; pass++) {
        project.push(pair.project());
        floorRuns.push(pair.floor());
      }
      const mean = (rs: WrkResult[]) => rs.reduce((s, r) => s + r.rps, 0) / rs.length;
      const ratio = mean(project) / mean(floorRuns);
      cases.push({ name: pair.name, project, floor: floorRuns, ratio, target: pair.target, ok: ratio >= pair.min && project.every((r) => r.non2xx === 0) });
      if (cases.length === 1) p99Ratio = Math.max(...project.map((r) => r.p99Ms)) / Math.max(...floorRuns.map((r) => r.p99Ms));
      console.log(`[floor] ${pair.name}: ${project.map((r) => r.rps.toFixed(0)).join(' / ')} vs ${floorRuns.map((r) => r.rps.toFixed(0)).join(' / ')} req/s = ${ratio.toFixed(2)}×`);
    }
    // Memory: the app's resident set after 30 s of the anonymous catalog load.
    wrk(`${base}/book/catalog`, o.rssSeconds);
    const rss = rssMb(app.pid!);
    console.log(`[floor] app RSS after ${o.rssSeconds} s of catalog load: ${rss.toFixed(0)} MB`);
    // For scale: the floor's own resident set after the same load on its page.
    wrk(`${floorBase}/`, o.rssSeconds);
    const floorRss = rssMb(floor.pid!);
    console.log(`[floor] floor RSS after ${o.rssSeconds} s of its / load: ${floorRss.toFixed(0)} MB`);
    return { cases, rss, floorRss, p99Ratio, nodeVersion: process.version };
  } finally {
    for (const p of procs.reverse()) await stop(p);
    await dropDatabase(databaseUrl);
    rmSync(uploadDir, { recursive: true, force: true });
    if (nginxPrefix) rmSync(nginxPrefix, { recursive: true, force: true });
  }
}

export function printFloorResult(r: Awaited<ReturnType<typeof runFloorBench>>): void {
  console.log(`\nProject ÷ floor, one run, Node ${r.nodeVersion}: wrk -t2 -c32, two alternating passes each (req/s project / floor).`);
  console.log('| Case | Project req/s | Floor req/s | Ratio | Target | Met |');
  console.log('|---|---:|---:|---:|---|---|');
  for (const c of r.cases) {
    console.log(`| ${c.name} | ${c.project.map((x) => x.rps.toFixed(0)).join(' / ')} | ${c.floor.map((x) => x.rps.toFixed(0)).join(' / ')} | ${c.ratio.toFixed(2)}× | ${c.target} | ${c.ok ? 'yes' : 'no'} |`);
  }
  const first = r.cases[0]!;
  console.log(`| p99 anonymous catalog ÷ floor p99 | ${first.project.map((x) => x.p99Ms.toFixed(0)).join(' / ')} ms | ${first.floor.map((x) => x.p99Ms.toFixed(0)).join(' / ')} ms | ${r.p99Ratio.toFixed(2)}× | ≤ 2× | ${r.p99Ratio <= 2 ? 'yes' : 'no'} |`);
  console.log(`| app RSS after 30 s of catalog load | ${r.rss.toFixed(0)} MB | ${r.floorRss.toFixed(0)} MB (the floor after 30 s of its /) | ${(r.rss / r.floorRss).toFixed(2)}× | ≤ 150 MB | ${r.rss <= 150 ? 'yes' : 'no'} |`);
}
