// Sessions: one cookie for the whole shop, its data in accounts' sessions table. Every app (the
// monolith, each service) runs the same express-session store here; where the rows live is a
// SessionRows it is given (accounts' table in-process, or auth's /internal/accounts/sessions over HTTP).
import session, { type SessionData } from 'express-session';
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';

export function sessionCookieName(config: Config): string {
  // __Host- binds the cookie to this exact origin over HTTPS; browsers refuse it on plain HTTP,
  // so it is used where the app always sits behind the TLS proxy.
  return config.isProduction ? '__Host-bookstore.sid' : 'bookstore.sid';
}

/** A session as its owner keeps it: the data (JSON text), its expiry, and the account it is logged in as. */
export interface StoredSession {
  data: string;
  /** Unix seconds. */
  expires: number;
  /** The account the session is logged in as, read along with it (null for none); checked by sessionUser. */
  user: unknown;
}

/** Where the session rows live: accounts owns them, every app reaches them through this. */
export interface SessionRows {
  /** The session with its user, in one round trip (every logged-in page starts with it). */
  read(sessionId: string): Promise<StoredSession | null>;
  /** Saves the session, new or replacing what was there. */
  write(sessionId: string, data: string, expires: number): Promise<void>;
  remove(sessionId: string): Promise<void>;
}

/** Where a session read through SessionRows carries its user to `store.createSession` (never saved). */
const ALONG = Symbol('read with the session');

/** When a session's row expires: its cookie's expiry (always set: the cookie has a maxAge). */
function expiresOf(data: SessionData): number {
  const at = data.cookie.expires ? new Date(data.cookie.expires).getTime() : Date.now() + 24 * 3_600_000;
  return Math.round(at / 1000);
}

/** express-session's store over SessionRows: an expired row reads as none. */
class RowsStore extends session.Store {
  constructor(private readonly rows: SessionRows) {
    super();
  }

  override get(sid: string, callback: (err: unknown, session?: SessionData | null) => void): void {
    this.rows
      .read(sid)
      .then((row) => {
        if (!row || row.expires < Math.round(Date.now() / 1000)) return null; // none, or expired
        const data = JSON.parse(row.data) as SessionData & { [ALONG]?: unknown };
        data[ALONG] = row.user;
        return data;
      })
      .then((data) => callback(null, data), callback);
  }

  override set(sid: string, data: SessionData, callback?: (err?: unknown) => void): void {
    this.rows.write(sid, JSON.stringify(data), expiresOf(data)).then(() => callback?.(), (err: unknown) => callback?.(err));
  }

  override destroy(sid: string, callback?: (err?: unknown) => void): void {
    this.rows.remove(sid).then(() => callback?.(), (err: unknown) => callback?.(err));
  }
}

export type SessionStore = session.Store;

/**
 * The idle timeout rolls with every request, but the row is written again only once its expiry
 * has moved by a tenth of the idle time (at most a minute), not on every page: one write fewer
 * for nearly every logged-in request, at the price of a session ending up to that much early.
 * The cookie is sent again with each such save, with the same expiry (see sessionMiddleware).
 */
export function createSessionStore(rows: SessionRows, config: Pick<Config, 'sessionIdleMs'>): SessionStore {
  const store = new RowsStore(rows);
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
  store.touch = (sid, session, callback) => {
    const saved = savedExpiry.get(session);
    const next = session.cookie.expires ? new Date(session.cookie.expires).getTime() : undefined;
    if (saved !== undefined && next !== undefined && next - saved < throttleMs) return callback?.();
    // A full save, not a touch of the expiry alone, so the saved data's expiry is where the next
    // request measures from. The changed session also makes express-session send the cookie again
    // (sessionMiddleware: not rolling), with the same expiry.
    session.deadlineMovedAt = Date.now();
    store.set(sid, session, callback);
  };
  return store;
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
     * The account read with this request's session (SessionRows.read), null for none: sessionUser
     * checks it is still valid instead of asking again. Undefined for a session started here.
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
