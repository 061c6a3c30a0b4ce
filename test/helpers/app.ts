// A fresh database per test file, migrated, and an app instance on it: no mocks.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import supertest from 'supertest';
import { createApp, type BookStoreApp } from '../../src/app.js';
import { loadConfig, type Config } from '../../src/config.js';
import { dropDatabase, migrate } from '../../src/db/migrate.js';
import { createPool, type Pool } from '../../src/db/pool.js';
import { createLogger } from '../../src/logger.js';
import type { Ports } from '../../src/ports.js';

export const SERVER_URL = process.env.TEST_DATABASE_SERVER ?? 'mysql://root@127.0.0.1:3306';

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `bookstore_test_${randomBytes(5).toString('hex')}`;
  const url = `${SERVER_URL}/${name}`;
  await migrate(url);
  return { url, name, drop: () => dropDatabase(url) };
}

export interface TestApp {
  config: Config;
  pool: Pool;
  db: TestDatabase;
  uploadDir: string;
  bookstore: BookStoreApp;
  app: BookStoreApp['app'];
  /** How the features reach each other in this app (in-process, on `pool`). */
  ports: Ports;
  /** Every log line the app wrote, for asserting that secrets never reach the log. */
  logs: string[];
  /** Another app instance on the same database (a second node behind the balancer). */
  sibling(): TestApp;
  agent(): ReturnType<typeof supertest.agent>;
  close(): Promise<void>;
}

/**
 * An agent that reads English: the shop speaks Spanish to a browser that names no language, and
 * the tests assert the English texts (test/site/i18n.test.ts covers the Spanish pages).
 */
export function englishAgent(app: BookStoreApp['app']) {
  return supertest.agent(app).set('Accept-Language', 'en');
}

export async function startTestApp(env: Record<string, string> = {}, db?: TestDatabase): Promise<TestApp> {
  const database = db ?? (await createTestDatabase());
  const uploadDir = mkdtempSync(join(tmpdir(), 'bookstore-uploads-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    DATABASE_URL: database.url,
    SESSION_SECRET: 'test-session-secret-that-is-long-enough-0123456789',
    JWT_SECRET: 'test-jwt-secret-that-is-long-enough-for-hs256-0123',
    UPLOAD_DIR: uploadDir,
    LOG_LEVEL: 'info',
    ...env,
  });
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      logs.push(chunk.toString());
      done();
    },
  });
  const pool = createPool(config.databaseUrl, 20);
  const make = (): { bookstore: BookStoreApp } => ({
    bookstore: createApp({ config, pool, logger: createLogger(config.logLevel, sink), database: database.name }),
  });
  const { bookstore } = make();
  const testApp: TestApp = {
    config,
    pool,
    db: database,
    uploadDir,
    bookstore,
    app: bookstore.app,
    ports: bookstore.ports,
    logs,
    sibling() {
      const other = make().bookstore;
      return { ...testApp, bookstore: other, app: other.app, ports: other.ports, agent: () => englishAgent(other.app) };
    },
    agent: () => englishAgent(bookstore.app),
    async close() {
      await pool.end();
      if (!db) await database.drop();
      rmSync(uploadDir, { recursive: true, force: true });
    },
  };
  return testApp;
}
