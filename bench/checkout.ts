// The checkout scenario: many buyers complete buy → delivery → payment in parallel, each on a
// distinct book, through the JSON API of a real app process (NODE_ENV=production) on a fresh
// database. Reports completed purchases per second and the p50/p99 of a whole checkout.
// Standalone: node --import tsx bench/checkout.ts [--buyers 400] [--concurrency 50]
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import bcrypt from 'bcrypt';
import mysql from 'mysql2/promise';
import { freePort, waitForPing } from './app-process.js';
import { dropDatabase, migrate } from '../src/db/migrate.js';

export interface CheckoutBenchOptions {
  server: string;
  buyers?: number;
  concurrency?: number;
}

export interface CheckoutBenchResult {
  buyers: number;
  concurrency: number;
  seconds: number;
  perSecond: number;
  p50: number;
  p99: number;
  failures: number;
}

const PASSWORD = 'bench checkout passphrase';



function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Runs `fn` over 0..n-1 with at most `limit` in flight. */
async function pooled(n: number, limit: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, n) }, async () => {
      while (next < n) await fn(next++);
    }),
  );
}

export async function runCheckoutBench(options: CheckoutBenchOptions): Promise<CheckoutBenchResult> {
  const buyers = options.buyers ?? 400;
  const concurrency = options.concurrency ?? 50;
  const database = `bookstore_bench_checkout_${randomBytes(3).toString('hex')}`;
  const databaseUrl = `${options.server}/${database}`;
  const uploadDir = mkdtempSync(join(tmpdir(), 'bookstore-bench-'));
  let app: ChildProcess | undefined;
  try {
    await migrate(databaseUrl);
    const conn = await mysql.createConnection({ uri: databaseUrl });
    const hash = await bcrypt.hash(PASSWORD, 12);
    await conn.query("INSERT INTO users (name, email, password_hash) VALUES ('Bench Seller', 'seller@bench.test', ?)", [hash]);
    const users = Array.from({ length: buyers }, (_, i) => ['Bench Buyer', `buyer${i}@bench.test`, hash]);
    await conn.query('INSERT INTO users (name, email, password_hash) VALUES ?', [users]);
    const books = Array.from({ length: buyers }, (_, i) => [1, `Bench Book ${i}`, 'Bench Author', 'A copy for the checkout benchmark.', 'good', 1000 + i, 1]);
    await conn.query('INSERT INTO books (seller_id, title, author, description, book_condition, price_cents, stock) VALUES ?', [books]);
    const [bookRows] = await conn.query<mysql.RowDataPacket[]>('SELECT id FROM books ORDER BY id');
    const [providerRows] = await conn.query<mysql.RowDataPacket[]>('SELECT id FROM delivery_providers WHERE retired_at IS NULL ORDER BY id LIMIT 1');
    const bookIds = bookRows.map((r) => r.id as number);
    const providerId = providerRows[0]?.id as number;

    const port = await freePort();
    app = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
      env: {
        ...process.env,
        NODE_ENV: 'production',
        PORT: String(port),
        DATABASE_URL: databaseUrl,
        UPLOAD_DIR: uploadDir,
        SESSION_SECRET: randomBytes(32).toString('hex'),
        JWT_SECRET: randomBytes(32).toString('hex'),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const base = `http://127.0.0.1:${port}`;
    await waitForPing(base, app);

    // Tokens first (bcrypt at cost 12 is the login's price, not the checkout's).
    const tokens: string[] = new Array<string>(buyers);
    await pooled(buyers, 8, async (i) => {
      const res = await fetch(`${base}/api/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: `buyer${i}@bench.test`, password: PASSWORD }) });
      if (!res.ok) throw new Error(`login ${i} answered ${res.status}`);
      tokens[i] = ((await res.json()) as { token: string }).token;
    });

    const post = async (token: string, path: string, body: object, expected: number) => {
      const res = await fetch(base + path, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
      const json = (await res.json()) as Record<string, unknown>;
      if (res.status !== expected) throw new Error(`${path} answered ${res.status}: ${JSON.stringify(json)}`);
      return json;
    };

    // Where the books go (a purchase is paid only once it has an address): saved to the buyer's book.
    const SHIP_TO = { recipient: 'Bench Buyer', line1: 'Carrera 7 # 71-21', city: 'Bogotá', region: 'Cundinamarca', postal_code: '110231', country: 'CO', phone: '3001234567' };
    const latencies: number[] = [];
    let failures = 0;
    const started = performance.now();
    await pooled(buyers, concurrency, async (i) => {
      const t0 = performance.now();
      try {
        const token = tokens[i]!;
        const bought = (await post(token, `/api/buy/${bookIds[i]}`, { quantity: 1 }, 201)) as { purchase: { id: number } };
        const id = bought.purchase.id;
        await post(token, `/api/delivery/${id}`, { provider_id: providerId, address: SHIP_TO }, 200);
        await post(token, `/api/payment/${id}`, { method: 'credit_card', card_number: '4242424242424242', card_expiry: '12/39', card_cvv: '123' }, 201);
        latencies.push(performance.now() - t0);
      } catch (err) {
        failures++;
        if (failures <= 3) console.error(err instanceof Error ? err.message : err);
      }
    });
    const seconds = (performance.now() - started) / 1000;

    const [[check]] = (await conn.query("SELECT COUNT(*) AS paid, (SELECT SUM(stock) FROM books) AS stock FROM purchases WHERE status = 'paid'")) as unknown as [[{ paid: number; stock: string }]];
    await conn.end();
    if (Number(check.paid) !== latencies.length || Number(check.stock) !== buyers - latencies.length) {
      throw new Error(`inconsistent result: ${check.paid} paid purchases, stock left ${check.stock}, ${latencies.length} completed`);
    }
    latencies.sort((a, b) => a - b);
    return {
      buyers,
      concurrency,
      seconds,
      perSecond: latencies.length / seconds,
      p50: Math.round(percentile(latencies, 50)),
      p99: Math.round(percentile(latencies, 99)),
      failures,
    };
  } finally {
    if (app && app.exitCode === null) {
      const exited = new Promise((r) => app!.once('exit', r));
      app.kill('SIGTERM');
      await exited;
    }
    await dropDatabase(databaseUrl);
    rmSync(uploadDir, { recursive: true, force: true });
  }
}

export function printCheckoutResult(r: CheckoutBenchResult): void {
  console.log(`\nCheckout (buy → delivery → payment, JSON API, ${r.concurrency} buyers in flight, distinct books); latency of a whole checkout in ms.`);
  console.log('| Buyers | In flight | Completed/s | p50 | p99 | Failures | Wall time |');
  console.log('|---:|---:|---:|---:|---:|---:|---:|');
  console.log(`| ${r.buyers} | ${r.concurrency} | ${r.perSecond.toFixed(1)} | ${r.p50} | ${r.p99} | ${r.failures} | ${r.seconds.toFixed(1)} s |`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const { values } = parseArgs({
    options: {
      buyers: { type: 'string', default: '400' },
      concurrency: { type: 'string', default: '50' },
      server: { type: 'string', default: process.env.BENCH_DATABASE_SERVER ?? 'mysql://root@127.0.0.1:3306' },
    },
  });
  printCheckoutResult(await runCheckoutBench({ server: values.server, buyers: Number(values.buyers), concurrency: Number(values.concurrency) }));
}
