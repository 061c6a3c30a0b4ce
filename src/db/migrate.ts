// Versioned migrations, applied by postgrator, one history per owner of tables:
//   src/accounts/migrations, src/catalog/migrations, src/orders/migrations, each tracked in its own
//   schema_version_<feature> table, so each feature can migrate a database of its own later on;
//   src/db/migrations: the shared history from before the split (001-008, table schema_version).
//   It is frozen and runs only on a database that already has it, to bring it up to the split
//   (008 drops the foreign keys between owners); a new database never gets it.
// Each feature's 001 creates its tables as they stand after 008 (CREATE TABLE IF NOT EXISTS), so on
// an old database it finds them and does nothing; from there both kinds of database take the same
// feature migrations. A named lock keeps two instances starting at once from migrating twice.
import mysql from 'mysql2/promise';
import Postgrator from 'postgrator';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const legacyDir = join(here, 'migrations');
export const FEATURES = ['accounts', 'catalog', 'orders'] as const;
export type Feature = (typeof FEATURES)[number];
const featureDir = (feature: Feature) => join(here, '..', feature, 'migrations');

function splitUrl(databaseUrl: string): { serverUrl: string; database: string } {
  const url = new URL(databaseUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/';
  return { serverUrl: url.toString(), database };
}

export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const { serverUrl, database } = splitUrl(databaseUrl);
  const conn = await mysql.createConnection({ uri: serverUrl });
  try {
    await conn.query('CREATE DATABASE IF NOT EXISTS ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci', [database]);
  } finally {
    await conn.end();
  }
}

export async function dropDatabase(databaseUrl: string): Promise<void> {
  const { serverUrl, database } = splitUrl(databaseUrl);
  const conn = await mysql.createConnection({ uri: serverUrl });
  try {
    await conn.query('DROP DATABASE IF EXISTS ??', [database]);
  } finally {
    await conn.end();
  }
}

async function applyFolder(conn: mysql.Connection, database: string, dir: string, schemaTable: string, target?: string): Promise<string[]> {
  const postgrator = new Postgrator({
    migrationPattern: join(dir, '*.sql'),
    driver: 'mysql',
    database,
    schemaTable,
    execQuery: async (query: string) => {
      const [rows] = await conn.query(query);
      return { rows: Array.isArray(rows) ? (rows as unknown[]) : [] };
    },
  });
  const applied = await postgrator.migrate(target);
  return applied.map((m) => basename(m.filename));
}

export interface MigrateOptions {
  /** The features whose tables this database holds (all of them in the monolith). */
  features?: readonly Feature[];
  /**
   * Only for tests that rebuild a database from before the split: apply the shared history up to
   * this version and nothing else.
   */
  legacyOnlyTo?: string;
  /** Only for tests that make data with an older schema of a feature: migrate it up to this version. */
  featureTo?: Partial<Record<Feature, string>>;
}

/** Applies pending migrations; returns their names (a feature's prefixed with `<feature>/`). */
export async function migrate(databaseUrl: string, options: MigrateOptions = {}): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const { database } = splitUrl(databaseUrl);
  // Migration files hold several statements; only this trusted connection allows that.
  const conn = await mysql.createConnection({ uri: databaseUrl, multipleStatements: true, timezone: 'Z' });
  try {
    const [lock] = await conn.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, 60) AS got', [`migrate:${database}`]);
    if (lock[0]?.got !== 1) throw new Error('Could not take the migration lock within 60 s');
    if (options.legacyOnlyTo) return await applyFolder(conn, database, legacyDir, 'schema_version', options.legacyOnlyTo);
    const applied: string[] = [];
    const [legacy] = await conn.query<mysql.RowDataPacket[]>(
      "SELECT COUNT(*) AS n FROM information_schema.tables WHERE table_schema = ? AND table_name = 'schema_version'",
      [database],
    );
    if (Number(legacy[0]?.n) > 0) applied.push(...(await applyFolder(conn, database, legacyDir, 'schema_version')));
    for (const feature of options.features ?? FEATURES) {
      const names = await applyFolder(conn, database, featureDir(feature), `schema_version_${feature}`, options.featureTo?.[feature]);
      applied.push(...names.map((n) => `${feature}/${n}`));
    }
    return applied;
  } finally {
    await conn.query('SELECT RELEASE_LOCK(?)', [`migrate:${database}`]).catch(() => undefined);
    await conn.end();
  }
}
