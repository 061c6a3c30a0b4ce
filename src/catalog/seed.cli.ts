// npm run seed -- --books N --users M [--covers K] [--seed S]: demo data for DATABASE_URL (migrated first).
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config.js';
import { migrate } from '../db/migrate.js';
import { createPool } from '../db/pool.js';
import { DEMO_PASSWORD, seed } from './seed.js';

const { values } = parseArgs({
  options: { books: { type: 'string', default: '1000' }, users: { type: 'string', default: '50' }, covers: { type: 'string' }, seed: { type: 'string' } },
});
const count = (name: string, v: string | undefined, max: number) => {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > max) {
    console.error(`--${name} must be a whole number from 0 to ${max}`);
    process.exit(1);
  }
  return n;
};
const books = count('books', values.books, 10_000_000)!;
const users = count('users', values.users, 1_000_000)!;
if (users < 1) {
  console.error('--users must be at least 1');
  process.exit(1);
}

const config = loadConfig();
await migrate(config.databaseUrl);
const pool = createPool(config.databaseUrl, 5);
const started = Date.now();
try {
  const done = await seed(pool, { books, users, uploadDir: resolve(config.uploadDir), covers: count('covers', values.covers, 100_000), seed: count('seed', values.seed, 2 ** 31) });
  console.log(`Seeded ${done.users} users and ${done.books} books (${done.covers} with covers) in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  console.log(`Every demo user's password is "${DEMO_PASSWORD}".`);
} finally {
  await pool.end();
}
