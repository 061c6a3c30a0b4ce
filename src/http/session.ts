import session, { type SessionData } from 'express-session';
import MySQLStoreFactory from 'express-mysql-session';
import type { Request, RequestHandler, Response } from 'express';
import type { Pool } from '../db/pool.js';
import type { Config } from '../config.js';

const MySQLStore = MySQLStoreFactory(session);
export type SessionStore = InstanceType<typeof MySQLStore>;

export function sessionCookieName(config: Config): string {
  // __Host- binds the cookie to this exact origin over HTTPS; browsers refuse it on plain HTTP,
  // so it is used where the app always sits behind the TLS proxy.
  return config.isProduction ? '__Host-bookstore.sid' : 'bookstore.sid';
}

/**
 * Sessions live in MySQL on the app's own pool, so every instance behind the balancer shares them.
 * The idle timeout rolls with every request, but the row is written again only once its expiry
 * has moved by a tenth of the idle time (at most a minute), not on every page: one UPDATE fewer
 * for nearly every logged-in request, at the price of a session ending up to that much early.
 * The cookie is sent again with each such save, with the same expiry (see sessionMiddleware).
 */
export function createSessionStore(pool: Pool, config: Pick<Config, 'sessionIdleMs'>, read?: SessionRead): SessionStore {
  const store = new MySQLStore(
    { createDatabaseTable: false, clearExpired: true, checkExpirationInterval: 15 * 60_000 },
    pool as never,
  );
  if (read) readWith(store, read);
  const throttleMs = Math.min(60_000, Math.floor(config.sessionIdleMs / 10));
  // The expiry the row was last saved with, per loaded session (the saved data carries it).
  const savedExpiry = new WeakMap<object, number>();
  const createSession = store.createSession.bind(store);
  store.createSession = (req, data) => {
    const withRow = data as SessionData & { [ALONG]?: unknown };
    if (ALONG in withRow) {
      req.sessionUserRow = withRow[ALONG];
      delete withRow[ALONG];
    }
    const session = createSession(req, data);
    if (data.cookie.expires) savedExpiry.set(session, new Date(data.cookie.expires).getTime());
    return session;
  };
  type Touch = (sid: string, session: SessionData, callback?: (err?: unknown) => void) => unknown;
  const set = store.set.bind(store) as unknown as Touch;
  const throttledTouch: Touch = (sid, session, callback) => {
    const saved = savedExpiry.get(session);
    const next = session.cookie.expires ? new Date(session.cookie.expires).getTime() : undefined;
    if (saved !== undefined && next !== undefined && next - saved < throttleMs) return callback ? callback() : Promise.resolve();
    // A full save, not the store's touch (which moves only the expiry column), so the saved data's
    // expiry is where the next request measures from. The changed session also makes
    // express-session send the cookie again (sessionMiddleware: not rolling), with the same expiry.
    session.deadlineMovedAt = Date.now();
    return set(sid, session, callback);
  };
  (store as unknown as { touch: Touch }).touch = throttledTouch;
  return store;
}

/**
 * How the owner of the sessions table reads one session, with what it keeps beside it (accounts:
 * the user it is logged in as, so the page needs no second round trip for it).
 */
export type SessionRead = (sessionId: string) => Promise<{ data: string; expires: number; user: unknown } | null>;

/** Where a session read through SessionRead carries its user to `store.createSession` (never saved). */
const ALONG = Symbol('read with the session');

/** The store's `get`, through `read`: the same expiry rule and data, and the user along with it. */
function readWith(store: SessionStore, read: SessionRead): void {
  type Get = (sid: string, callback: (err: unknown, session?: SessionData | null) => void) => void;
  const get: Get = (sid, callback) => {
    read(sid)
      .then((row) => {
        if (!row || row.expires < Math.round(Date.now() / 1000)) return null; // none, or expired
        const data = JSON.parse(row.data) as SessionData & { [ALONG]?: unknown };
        data[ALONG] = row.user;
        return data;
      })
      .then((data) => callback(null, data), callback);
  };
  (store as unknown as { get: Get }).get = get;
}

export function sessionMiddleware(config: Config, store: SessionStore): RequestHandler {
  return session({
    name: sessionCookieName(config),
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false, // anonymous visitors get no row and no cookie
    // The idle timeout restarts with each request, but the deadline is saved only when it moved
    // enough (createSessionStore's touch), and the cookie is sent again with it: the browser's and
    // the store's expiry stay the same, without signing a cookie for every page.
    rolling: false,
    // 'keep' (the default), never 'destroy': express-session also counts a session that failed to
    // load (the database restarting) as unset, and 'destroy' then deletes that row once the database
    // is back, logging the user out. Nothing here ever sets req.session to null.
    unset: 'keep',
    cookie: {
      httpOnly: true,
      sameSite: 'lax',
      // Secure whenever req.secure (HTTPS through the trusted proxy). In production the cookie is
      // only ever sent that way: over plain HTTP no cookie is set at all.
      secure: config.isProduction ? true : 'auto',
      path: '/',
      maxAge: config.sessionIdleMs,
    },
  });
}

/**
 * Session work only where a session can exist: a request that carries the session cookie, or an
 * unsafe method (its CSRF check needs one). An anonymous GET skips it entirely (no id, no store
 * read, no hooks on the response), and `req.session` stays undefined; a page that then needs one
 * (a form's CSRF token) starts it with `startSession`, which for a request without a cookie is
 * synchronous and sets the cookie with the answer.
 */
export function lazySession(config: Config, store: SessionStore): RequestHandler {
  const session = sessionMiddleware(config, store);
  const cookie = `${sessionCookieName(config)}=`;
  const noop = () => undefined;
  // One function for every request, reading the request from `this` (ensureSession calls it as
  // `req.startSession()`): a new closure holding the request, stored on the request, made V8's old
  // generation grow by megabytes a second under load (BENCHMARKS.md, memory).
  function startSession(this: Request): void {
    if (!this.session && this.res) session(this, this.res, noop);
  }
  return (req, res, next) => {
    if ((req.method === 'GET' || req.method === 'HEAD') && !req.headers.cookie?.includes(cookie)) {
      req.startSession = startSession;
      return next();
    }
    req.startSession = noop;
    session(req, res, next);
  };
}

/** Runs `handler` only for requests that have a session (passport's session strategy needs one). */
export function withSession(handler: RequestHandler): RequestHandler {
  return (req, res, next) => (req.session ? handler(req, res, next) : next());
}

/** The request's session, started now if this anonymous read had none (see lazySession). */
export function ensureSession(req: Request, _res?: Response): NonNullable<Request['session']> {
  if (!req.session) req.startSession?.();
  if (!req.session) throw new Error('session support is not mounted for this request');
  return req.session;
}

/** Ends sessions older than the absolute limit, however active they have been. */
export function absoluteTimeout(config: Config): RequestHandler {
  return (req, _res, next) => {
    const started = req.session?.startedAt;
    if (started !== undefined && Date.now() - started > config.sessionMaxMs) {
      // A fresh, empty session replaces it: the old row is deleted and the user is anonymous.
      req.session.regenerate((err) => next(err));
      return;
    }
    next();
  };
}

declare module 'http' {
  interface IncomingMessage {
    /** Starts a session for an anonymous read that skipped it (see lazySession). */
    startSession?: () => void;
    /**
     * The user row read with this request's session (SessionRead), null for none: the session's
     * owner checks it is still valid instead of reading it again. Undefined when not read that way.
     */
    sessionUserRow?: unknown;
  }
}

declare module 'express-session' {
  interface SessionData {
    startedAt: number;
    /** When the store last saved a moved idle deadline (changing it sends the cookie again). */
    deadlineMovedAt?: number;
    flash: { type: 'success' | 'error' | 'info'; text: string; params?: Record<string, string | number> }[];
    /** passport's: whom the session is logged in as (read by accounts' sessionUser). */
    passport?: { user?: unknown };
  }
}
