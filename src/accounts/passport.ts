// Logging in and who is logged in: passport's local strategy (where the login form is) and
// `req.user` from the session, for every app.
import type { NextFunction, Request, RequestHandler } from 'express';
import passportModule from 'passport';

export type Passport = InstanceType<typeof passportModule.Passport>;
import { Strategy as LocalStrategy } from 'passport-local';
import type { Pool } from '../db/pool.js';
import * as accounts from './accounts.service.js';
import type { User as AccountUser } from './accounts.repo.js';

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
 * by about 12 MB/s on logged-in pages: BENCHMARKS.md, memory). The account comes with the session
 * (SessionRows.read, in every app), so there is nothing more to ask; a disabled account or a changed
 * password ends the login: the user becomes anonymous.
 */
export const sessionUser: RequestHandler = (req, _res, next) => {
  const login = req.session?.passport;
  const stored = login?.user as SessionUser | undefined;
  if (!login || !stored) return next();
  const row = req.sessionUserRow as AccountUser | null | undefined;
  restoreUser(req, accounts.validSessionUser(row?.id === stored.id ? row : null, stored.v), next);
};

/** Sets the login's user, or ends a login that is no longer valid. */
function restoreUser(req: Request, user: AccountUser | null, next: NextFunction): void {
  if (user) req.user = user;
  else delete req.session.passport!.user; // the login ended: the session is anonymous from now on
  next();
}
