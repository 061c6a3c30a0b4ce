// Which database errors mean "the database cannot serve us right now" (a 503 the user may retry)
// rather than a bug (a 500): the server is down, restarting or unreachable, the connection died,
// or the server is a read-only replica (before a promotion, or a fenced old primary).

/** The pooled connection died under us (server restart, idle timeout, failover): a read may be retried once. */
const DEAD_CONNECTION = new Set(['PROTOCOL_CONNECTION_LOST', 'ECONNRESET', 'EPIPE', 'ER_CONNECTION_KILLED', 'ER_SERVER_SHUTDOWN', 'ER_CLIENT_INTERACTION_TIMEOUT']);
/** The server cannot be reached or does not accept connections at all. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'PROTOCOL_SEQUENCE_TIMEOUT', 'ER_CON_COUNT_ERROR']);
/** errno 1290 (--read-only / super_read_only) and 1836 (read-only mode, MariaDB). */
const READ_ONLY = new Set([1290, 1836]);
// Client-side errnos for lost or refused connections: 2002/2003 can't connect, 2006 gone away, 2013 lost.
const CLIENT_ERRNOS = new Set([2002, 2003, 2006, 2013, 1053, 1927]);

interface DbError {
  code?: string;
  errno?: number;
  message?: string;
  fatal?: boolean;
}

const asDbError = (err: unknown): DbError => (err && typeof err === 'object' ? err : {});

export function isDeadConnection(err: unknown): boolean {
  const e = asDbError(err);
  if (e.code && DEAD_CONNECTION.has(e.code)) return true;
  // mysql2's words for a command sent on a connection that had already closed.
  return typeof e.message === 'string' && /connection is in closed state|Connection lost/i.test(e.message);
}

export function isReadOnly(err: unknown): boolean {
  const e = asDbError(err);
  return e.errno !== undefined && READ_ONLY.has(e.errno);
}

/** What the log keeps of a database outage: its code, errno and message, not a stack per request. */
export function outageSummary(err: unknown): { code?: string; errno?: number; message?: string } {
  const { code, errno, message } = asDbError(err);
  return { code, errno, message };
}

export function isDatabaseUnavailable(err: unknown): boolean {
  const e = asDbError(err);
  if (isDeadConnection(err) || isReadOnly(err)) return true;
  if (e.code && UNREACHABLE.has(e.code)) return true;
  if (e.errno !== undefined && CLIENT_ERRNOS.has(e.errno)) return true;
  // A pool being closed during shutdown, or a connect error wrapped as an AggregateError.
  if (err instanceof AggregateError) return err.errors.some(isDatabaseUnavailable);
  return typeof e.message === 'string' && /^Pool is closed/.test(e.message);
}
