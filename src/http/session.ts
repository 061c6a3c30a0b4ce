import session from 'express-session';
import MySQLStoreFactory from 'express-mysql-session';
import type { RequestHandler } from 'express';
import type { Pool } from '../db/pool.js';
import type { Config } from '../config.js';

const MySQLStore = MySQLStoreFactory(session);
export type SessionStore = InstanceType<typeof MySQLStore>;

export function sessionCookieName(config: Config): string {
  // __Host- binds the cookie to this exact origin over HTTPS; browsers refuse it on plain HTTP,
  // so it is used where the app always sits behind the TLS proxy.
  return config.isProduction ? '__Host-bookstore.sid' : 'bookstore.sid';
}

/** Sessions live in MySQL on the app's own pool, so every instance behind the balancer shares them. */
export function createSessionStore(pool: Pool): SessionStore {
  return new MySQLStore(
    { createDatabaseTable: false, clearExpired: true, checkExpirationInterval: 15 * 60_000 },
    pool as never,
  );
}

export function sessionMiddleware(config: Config, store: SessionStore): RequestHandler {
  return session({
    name: sessionCookieName(config),
    secret: config.sessionSecret,
    store,
    resave: false,
    saveUninitialized: false, // anonymous visitors get no row and no cookie
    rolling: true, // the idle timeout restarts with each request
    unset: 'destroy',
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

/** Ends sessions older than the absolute limit, however active they have been. */
export function absoluteTimeout(config: Config): RequestHandler {
  return (req, _res, next) => {
    const started = req.session.startedAt;
    if (started !== undefined && Date.now() - started > config.sessionMaxMs) {
      // A fresh, empty session replaces it: the old row is deleted and the user is anonymous.
      req.session.regenerate((err) => next(err));
      return;
    }
    next();
  };
}

declare module 'express-session' {
  interface SessionData {
    startedAt: number;
    flash: { type: 'success' | 'error' | 'info'; text: string }[];
  }
}
