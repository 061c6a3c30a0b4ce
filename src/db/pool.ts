import mysql from 'mysql2/promise';
import { isDeadConnection } from './unavailable.js';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export type { Pool, PoolConnection, ResultSetHeader, RowDataPacket };
/** A pool or a connection inside a transaction: repo functions take either, first. */
export type Db = Pool | PoolConnection;

export function createPool(databaseUrl: string, connectionLimit = 10): Pool {
  const pool = mysql.createPool({
    uri: databaseUrl,
    connectionLimit,
    timezone: 'Z', // DATETIMEs are UTC in the database and in JS
    charset: 'utf8mb4_unicode_ci',
    multipleStatements: false,
    supportBigNumbers: true,
    enableKeepAlive: true,
    // Each connection keeps its prepared statements (mysql2's default is 16,000 of them): the app
    // has a few dozen distinct statements, so a small cache holds them all and bounds the memory.
    maxPreparedStatements: 256,
  });
  pool.execute = retryReads(pool.execute.bind(pool));
  pool.query = retryReads(pool.query.bind(pool));
  // DEFAULT CURRENT_TIMESTAMP follows the session time zone: make it UTC whatever the server's is.
  pool.pool.on('connection', (conn) => {
    conn.query("SET time_zone = '+00:00'");
  });
  return pool;
}

const READ = /^\s*(SELECT|SHOW)\b/i;
const LOCKING = /\bFOR\s+UPDATE\b|\bLOCK\s+IN\s+SHARE\s+MODE\b/i;

/**
 * A read on the pool that failed because its pooled connection had died (the server restarted, a
 * failover moved the address, an idle connection was cut) is tried once more, on a connection the
 * pool opens afresh. Writes are never retried here: whether the first one was applied is unknown,
 * and the checkout token and Idempotency-Key make the user's own retry safe instead.
 */
function retryReads<F extends (...args: never[]) => Promise<unknown>>(run: F): F {
  return (async (...args: Parameters<F>) => {
    try {
      return await run(...args);
    } catch (err) {
      const first: unknown = args[0];
      const sql = typeof first === 'string' ? first : (first as { sql?: unknown } | undefined)?.sql;
      if (isDeadConnection(err) && typeof sql === 'string' && READ.test(sql) && !LOCKING.test(sql)) return run(...args);
      throw err;
    }
  }) as F;
}

const DEADLOCK = 1213;
const LOCK_WAIT_TIMEOUT = 1205;

/**
 * Runs fn inside one transaction on one connection. Only services call this; repos take the
 * connection it passes. A deadlock is retried, because InnoDB picks a victim and the retry succeeds.
 */
export async function withTransaction<T>(pool: Pool, fn: (conn: PoolConnection) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const conn = await pool.getConnection();
    try {
      await conn.beginTransaction();
      const result = await fn(conn);
      await conn.commit();
      return result;
    } catch (err) {
      await conn.rollback().catch(() => undefined);
      const errno = (err as { errno?: number }).errno;
      if (attempt < attempts && (errno === DEADLOCK || errno === LOCK_WAIT_TIMEOUT)) continue;
      throw err;
    } finally {
      conn.release();
    }
  }
}

export function isDuplicateKey(err: unknown): boolean {
  return (err as { code?: string }).code === 'ER_DUP_ENTRY';
}
