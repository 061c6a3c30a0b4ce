import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, RequestHandler } from 'express';
import passportModule from 'passport';

export type Passport = InstanceType<typeof passportModule.Passport>;
import { Strategy as LocalStrategy } from 'passport-local';
import type { Pool } from '../db/pool.js';
import * as accounts from './accounts.service.js';
import type { User as AccountUser } from './accounts.repo.js';
import type { AccountsPort } from './accounts.port.js';

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    // eslint-disable-next-line @typescript-eslint/no-empty-object-type
    interface User extends AccountUser {}
  }
}

interface SessionUser {
  id: number;
  v: number;
}

/**
 * A passport instance per app (no global singleton): the local strategy, and what a login keeps
 * in the session. Only the apps that log people in (the monolith, auth) have one.
 */
export function createPassport(pool: Pool): Passport {
  const passport = new passportModule.Passport();
  passport.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password' }, (email, password, done) => {
      accounts.authenticate(pool, email.trim().toLowerCase(), password).then(
        (user) => done(null, user ?? false),
        (err: unknown) => done(err),
      );
    }),
  );
  passport.serializeUser<SessionUser>((user, done) => done(null, { id: user.id, v: user.sessionVersion }));
  return passport;
}

/**
 * `req.user` from the session's login (requests without a session or a login pass straight on): what passport.session()
 * did, without its per-request strategy object and closures (they made V8's old generation grow
 * by about 12 MB/s on logged-in pages: BENCHMARKS.md, memory). A disabled account or a changed
 * password ends the login: the user becomes anonymous. The user read along with the session (where
 * accounts is in-process) is checked by the same rule; elsewhere accounts is asked over its port
 * (catalog and order pass no pool).
 */
export function sessionUser(pool: Pool | null, accountsPort?: Pick<AccountsPort, 'sessionUser'>): RequestHandler {
  const lookup = (req: IncomingMessage, stored: SessionUser): AccountUser | null | Promise<AccountUser | null> => {
    const row = req.sessionUserRow as AccountUser | null | undefined;
    if (row !== undefined) return accounts.validSessionUser(row?.id === stored.id ? row : null, stored.v);
    if (accountsPort) return accountsPort.sessionUser(stored.id, stored.v);
    return pool ? accounts.userForSession(pool, stored.id, stored.v) : null;
  };
  return (req, _res, next) => {
    const login = req.session?.passport;
    const stored = login?.user as SessionUser | undefined;
    if (!login || !stored) return next();
    const found = lookup(req, stored);
    if (found instanceof Promise) found.then((user) => restoreUser(req, user, next), next);
    else restoreUser(req, found, next);
  };
}

/** Sets the login's user, or ends a login that is no longer valid. */
function restoreUser(req: Request, user: AccountUser | null, next: NextFunction): void {
  if (user) req.user = user;
  else delete req.session.passport!.user; // the login ended: the session is anonymous from now on
  next();
}
