// npm run seed -- --books N --users M [--covers K] [--seed S]: demo data for DATABASE_URL (migrated
// first). Accounts makes the users, catalog their books: each feature writes its own tables.
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { faker } from '@faker-js/faker';
import { DEMO_PASSWORD, seedUsers } from './accounts/seed.js';
import { seedBooks } from './catalog/seed.js';
import { loadConfig } from './config.js';
import { migrate } from './db/migrate.js';
import { createPool } from './db/pool.js';

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
const seed = count('seed', values.seed, 2 ** 31);

const config = loadConfig();
await migrate(config.databaseUrl);
const pool = createPool(config.databaseUrl, 5);
const started = Date.now();
try {
  // One faker sequence for users then books: the same --seed gives the same shop.
  if (seed !== undefined) faker.seed(seed);
  const sellers = await seedUsers(pool, users);
  const done = await seedBooks(pool, sellers, { books, uploadDir: resolve(config.uploadDir), covers: count('covers', values.covers, 100_000) });
  console.log(`Seeded ${sellers.length} users and ${done.books} books (${done.covers} with covers) in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
  console.log(`Every demo user's password is "${DEMO_PASSWORD}".`);
} finally {
  await pool.end();
}
