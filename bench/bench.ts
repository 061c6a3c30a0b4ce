// npm run bench: seeds its own databases (1,000 and 100,000 books), starts the app on a free port
// for each, measures the catalog with autocannon and prints a table. Drops everything afterwards.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import mysql from 'mysql2/promise';
import { freePort, productionEnv, waitForPing } from './app-process.js';
import { dropDatabase } from '../src/db/migrate.js';
import { printCheckoutResult, runCheckoutBench } from './checkout.js';
import { printFloorResult, runFloorBench } from './floor.js';

const { values } = parseArgs({
  options: {
    sizes: { type: 'string', default: '1000,100000' },
    duration: { type: 'string', default: '8' },
    connections: { type: 'string', default: '10' },
    server: { type: 'string', default: process.env.BENCH_DATABASE_SERVER ?? 'mysql://root@127.0.0.1:3306' },
    // Which parts to run: the floor comparison, the 1k/100k catalog table, the checkout scenario.
    parts: { type: 'string', default: 'floor,catalog,checkout' },
    'floor-books': { type: 'string', default: '10000' },
    'floor-seconds': { type: 'string', default: '10' },
  },
});
const parts = new Set(values.parts.split(','));
const sizes = values.sizes.split(',').map(Number);
const duration = Number(values.duration);
const connections = Number(values.connections);
const SEARCH = 'orwell';

interface Row {
  books: number;
  name: string;
  path: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}


function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${args.join(' ')} exited with ${code}`))));
  });
}


async function measure(url: string, seconds: number): Promise<autocannon.Result> {
  return autocannon({ url, connections, duration: seconds });
}

async function benchSize(books: number): Promise<Row[]> {
  const database = `bookstore_bench_${books}_${randomBytes(3).toString('hex')}`;
  const databaseUrl = `${values.server}/${database}`;
  const uploadDir = mkdtempSync(join(tmpdir(), 'bookstore-bench-'));
  const env = productionEnv(databaseUrl, uploadDir);
  let app: ChildProcess | undefined;
  try {
    const started = Date.now();
    const users = Math.max(10, Math.ceil(books / 100));
    await run(process.execPath, ['--import', 'tsx', 'src/seed.cli.ts', '--books', String(books), '--users', String(users), '--covers', '48', '--seed', '42'], env);
    console.log(`[${books}] seeded in ${((Date.now() - started) / 1000).toFixed(1)} s`);

    const conn = await mysql.createConnection({ uri: databaseUrl });
    const [rows] = await conn.query<mysql.RowDataPacket[]>('SELECT id FROM books WHERE listed = 1 ORDER BY id LIMIT 1 OFFSET ?', [Math.floor(books / 2)]);
    await conn.end();
    const bookId = rows[0]?.id as number;

    const port = await freePort();
    app = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { env: { ...env, PORT: String(port) }, stdio: ['ignore', 'inherit', 'inherit'] });
    const base = `http://127.0.0.1:${port}`;
    await waitForPing(base, app);

    const targets: [string, string][] = [
      ['catalog page 1', '/book/catalog'],
      ['catalog page 400', '/book/catalog?page=400'],
      [`search "${SEARCH}"`, `/book/catalog?q=${SEARCH}`],
      ['book page', `/book/${bookId}`],
    ];
    const result: Row[] = [];
    for (const [name, path] of targets) {
      const check = await fetch(base + path);
      if (check.status !== 200) throw new Error(`${path} answered ${check.status}`);
      if (check.headers.get('set-cookie')) throw new Error(`${path} set a cookie for an anonymous visitor`);
      await measure(base + path, 2); // warm-up: JIT, view cache, buffer pool
      const r = await measure(base + path, duration);
      result.push({ books, name, path, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx });
      console.log(`[${books}] ${name}: ${r.requests.average.toFixed(0)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms`);
    }
    return result;
  } finally {
    if (app && app.exitCode === null) {
      const exited = new Promise((r) => app!.once('exit', r));
      app.kill('SIGTERM');
      // Load-generator sockets can hold a graceful shutdown open; do not wait out its deadline.
      const timer = setTimeout(() => app!.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(timer);
    }
    await dropDatabase(databaseUrl);
    rmSync(uploadDir, { recursive: true, force: true });
  }
}

if (parts.has('floor')) {
  printFloorResult(await runFloorBench({ server: values.server, books: Number(values['floor-books']), seconds: Number(values['floor-seconds']), rssSeconds: 30 }));
}
if (!parts.has('catalog') && !parts.has('checkout')) process.exit(0);

const all: Row[] = [];
for (const size of parts.has('catalog') ? sizes : []) all.push(...(await benchSize(size)));

const baseline = all.find((r) => r.books === sizes[0] && r.name === 'catalog page 1');
if (all.length) {
  console.log(`\nautocannon, ${connections} connections, ${duration} s per row (after a 2 s warm-up); latency in ms.`);
  // Cost per request against page 1 at 1,000 books, from the request rates: p50 is whole
  // milliseconds in autocannon, too coarse once a page takes about one.
  console.log('| Books | Request | Req/s | p50 | p99 | time per request vs 1k page 1 | Errors |');
  console.log('|---:|---|---:|---:|---:|---:|---:|');
  for (const r of all) {
    const ratio = baseline ? (baseline.rps / r.rps).toFixed(2) : '-';
    console.log(`| ${r.books.toLocaleString('en-US')} | ${r.name} | ${r.rps.toFixed(0)} | ${r.p50} | ${r.p99} | ${ratio}× | ${r.errors} |`);
  }
}

// Orders: the checkout scenario (bench/checkout.ts).
if (parts.has('checkout')) printCheckoutResult(await runCheckoutBench({ server: values.server }));
