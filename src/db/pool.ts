// The MySQL connection pool every feature's repos use, and transactions on it.
import mysql from 'mysql2/promise';
import { isDatabaseUnavailable, isDeadConnection } from './unavailable.js';
import type { Pool, PoolConnection, ResultSetHeader, RowDataPacket } from 'mysql2/promise';

export type { Pool, PoolConnection, ResultSetHeader, RowDataPacket };
/** A pool or a connection inside a transaction: repo functions take either, first. */
export type Db = Pool | PoolConnection;

/**
 * `callerStacks`: mysql2 captures the caller's stack on every query (Error.captureStackTrace) to
 * put it into a failed query's error. That was 4 % of a logged-in catalog page's CPU (two queries),
 * so production turns it off: a failed query's error still carries its SQL, code and message.
 */
export function createPool(databaseUrl: string, connectionLimit = 10, { callerStacks = true } = {}): Pool {
  const pool = mysql.createPool({
    trace: callerStacks,
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
  pool.execute = retryReads(pool, pool.execute.bind(pool), 'execute');
  pool.query = retryReads(pool, pool.query.bind(pool), 'query');
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
 * failover moved the address, an idle connection was cut) is tried again on a connection that
 * answers a ping: when a server dies, every idle connection in the pool dies with it, so the next
 * one the pool hands out may be as dead as the first. Writes are never retried here: whether the
 * first one was applied is unknown, and the checkout token and Idempotency-Key make the user's own
 * retry safe instead.
 */
function retryReads<F extends (...args: never[]) => Promise<unknown>>(pool: Pool, run: F, method: 'execute' | 'query'): F {
  return (async (...args: Parameters<F>) => {
    try {
      return await run(...args);
    } catch (err) {
      const first: unknown = args[0];
      const sql = typeof first === 'string' ? first : (first as { sql?: unknown } | undefined)?.sql;
      if (!(isDeadConnection(err) && typeof sql === 'string' && READ.test(sql) && !LOCKING.test(sql))) throw err;
      // Twice at most: the live connection may have been to a server that died a moment later.
      for (let retry = 1; ; retry++) {
        const conn = await liveConnection(pool, err);
        try {
          return await (conn[method] as unknown as F)(...args);
        } catch (again) {
          if (retry >= 2 || !isDeadConnection(again)) throw again;
        } finally {
          conn.release();
        }
      }
    }
  }) as F;
}

/** How long a retried read may spend finding a connection that works: about a proxy's failover. */
const RECONNECT_BUDGET_MS = 1500;
const RECONNECT_PAUSE_MS = 100;

/**
 * A pooled connection that answers a ping; dead ones are destroyed on the way. A new connection may
 * be refused for a moment too (the database proxy has not yet marked the dead server down), so it
 * keeps trying for RECONNECT_BUDGET_MS before giving up with the last error.
 */
async function liveConnection(pool: Pool, firstError: unknown): Promise<PoolConnection> {
  let lastError = firstError;
  const deadline = Date.now() + RECONNECT_BUDGET_MS;
  while (Date.now() < deadline) {
    let conn: PoolConnection;
    try {
      conn = await pool.getConnection();
    } catch (err) {
      if (!isDatabaseUnavailable(err)) throw err;
      lastError = err;
      await new Promise((r) => setTimeout(r, RECONNECT_PAUSE_MS));
      continue;
    }
    try {
      await conn.ping();
      return conn;
    } catch (err) {
      conn.destroy();
      if (!isDeadConnection(err)) throw err;
      lastError = err; // the next idle one may be as dead: no pause
    }
  }
  throw lastError;
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
