import type { IncomingMessage } from 'node:http';
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
 * A passport instance per app (no global singleton), with the local strategy and session mapping.
 * Services that do not own accounts (catalog, order) pass no pool: they only read sessions, and ask
 * accounts (over its port) whether the account behind one is still valid.
 */
export function createPassport(pool: Pool | null, accountsPort?: Pick<AccountsPort, 'sessionUser'>): Passport {
  const passport = new passportModule.Passport();
  if (pool) passport.use(
    new LocalStrategy({ usernameField: 'email', passwordField: 'password' }, (email, password, done) => {
      accounts.authenticate(pool, email.trim().toLowerCase(), password).then(
        (user) => done(null, user ?? false),
        (err: unknown) => done(err),
      );
    }),
  );
  passport.serializeUser<SessionUser>((user, done) => done(null, { id: user.id, v: user.sessionVersion }));
  passport.deserializeUser<SessionUser, IncomingMessage>((req, stored, done) => {
    // A disabled account or a changed password ends the session: the user becomes anonymous.
    // The user read with the session (the monolith's session store) is checked by the same rule.
    const row = req.sessionUserRow as AccountUser | null | undefined;
    if (row !== undefined) return done(null, accounts.validSessionUser(row?.id === stored.id ? row : null, stored.v) ?? false);
    const lookup = accountsPort ? accountsPort.sessionUser(stored.id, stored.v) : pool ? accounts.userForSession(pool, stored.id, stored.v) : Promise.resolve(null);
    lookup.then(
      (user) => done(null, user ?? false),
      (err: unknown) => done(err),
    );
  });
  return passport;
}
