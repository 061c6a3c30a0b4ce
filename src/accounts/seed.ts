// Demo accounts for the seed CLI: realistic names, one shared password, multi-row inserts.
import { randomBytes } from 'node:crypto';
import bcrypt from 'bcrypt';
import { faker } from '@faker-js/faker';
import type { Pool, ResultSetHeader } from '../db/pool.js';
import { BCRYPT_COST } from './accounts.service.js';

export const DEMO_PASSWORD = 'demo reader passphrase';
const BATCH = 2000;

/** Inserts `count` demo users (password DEMO_PASSWORD) into a migrated database; returns their ids and names. */
export async function seedUsers(pool: Pool, count: number): Promise<{ id: number; name: string }[]> {
  const run = randomBytes(3).toString('hex');
  const hash = await bcrypt.hash(DEMO_PASSWORD, BCRYPT_COST);
  const users: { id: number; name: string }[] = [];
  for (let start = 0; start < count; start += BATCH) {
    const rows: [string, string, string, Date][] = [];
    for (let i = start; i < Math.min(count, start + BATCH); i++) {
      const first = faker.person.firstName();
      const last = faker.person.lastName();
      const local = `${first}.${last}`.toLowerCase().replace(/[^a-z0-9.]/g, '');
      rows.push([`${first} ${last}`, `${local}.${run}${i}@example.com`, hash, new Date()]);
    }
    // Demo addresses (example.com) can never be verified by a link: they count as verified, so demo
    // sellers can list books with EMAIL_VERIFICATION=required.
    const [result] = await pool.query<ResultSetHeader>('INSERT INTO users (name, email, password_hash, email_verified_at) VALUES ?', [rows]);
    // One multi-row INSERT gets consecutive AUTO_INCREMENT ids (innodb_autoinc_lock_mode 1 or 2 for a simple insert).
    rows.forEach((row, k) => users.push({ id: result.insertId + k, name: row[0] }));
  }
  return users;
}
