// Versioned migrations: plain .sql files in ./migrations applied in order by postgrator.
// A named lock keeps two instances starting at once from migrating twice.
import mysql from 'mysql2/promise';
import Postgrator from 'postgrator';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const migrationsDir = join(dirname(fileURLToPath(import.meta.url)), 'migrations');

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

export async function migrate(databaseUrl: string): Promise<string[]> {
  await ensureDatabase(databaseUrl);
  const { database } = splitUrl(databaseUrl);
  // Migration files hold several statements; only this trusted connection allows that.
  const conn = await mysql.createConnection({ uri: databaseUrl, multipleStatements: true, timezone: 'Z' });
  try {
    const [lock] = await conn.query<mysql.RowDataPacket[]>('SELECT GET_LOCK(?, 60) AS got', [`migrate:${database}`]);
    if (lock[0]?.got !== 1) throw new Error('Could not take the migration lock within 60 s');
    const postgrator = new Postgrator({
      migrationPattern: join(migrationsDir, '*'),
      driver: 'mysql',
      database,
      schemaTable: 'schema_version',
      execQuery: async (query: string) => {
        const [rows] = await conn.query(query);
        return { rows: Array.isArray(rows) ? (rows as unknown[]) : [] };
      },
    });
    const applied = await postgrator.migrate();
    return applied.map((m) => basename(m.filename));
  } finally {
    await conn.query('SELECT RELEASE_LOCK(?)', [`migrate:${database}`]).catch(() => undefined);
    await conn.end();
  }
}
