// Accounts' rules: registering, checking credentials (same time for an unknown email and a wrong
// password), changing a password, and whether a session or token's account may still be used.
import type { Db } from '../db/pool.js';
import { isDuplicateKey } from '../db/pool.js';
import { Invalid } from '../http/errors.js';
import * as repo from './accounts.repo.js';
import type { User } from './accounts.repo.js';

export const BCRYPT_COST = 12;
// Loaded with the first login or registration: an instance serving only the catalog never needs it.
type Bcrypt = typeof import('bcrypt');
let bcryptModule: Promise<Bcrypt> | undefined;
const bcrypt = {
  hash: async (data: string, cost: number): Promise<string> => (await (bcryptModule ??= import('bcrypt'))).hash(data, cost),
  compare: async (data: string, hash: string): Promise<boolean> => (await (bcryptModule ??= import('bcrypt'))).compare(data, hash),
};
// Compared against when the email is unknown, so both failures take the same time. Made on first
// use (and off the event loop), not at import: importing a module must not cost a quarter second.
let dummyHash: Promise<string> | undefined;
const timingEqualiser = () => (dummyHash ??= bcrypt.hash('timing-equaliser-not-a-password', BCRYPT_COST));

export async function register(db: Db, input: { name: string; email: string; password: string }): Promise<User> {
  const passwordHash = await bcrypt.hash(input.password, BCRYPT_COST);
  try {
    const id = await repo.insertUser(db, { name: input.name, email: input.email, passwordHash });
    const user = await repo.findUserById(db, id);
    if (!user) throw new Error('user vanished after insert');
    return user;
  } catch (err) {
    if (isDuplicateKey(err)) throw new Invalid({ email: 'An account with this email already exists. Log in instead?' });
    throw err;
  }
}

/** The user for these credentials, or null: the caller cannot tell an unknown email from a wrong password. */
export async function authenticate(db: Db, email: string, password: string): Promise<User | null> {
  const user = await repo.findUserByEmail(db, email);
  const ok = await bcrypt.compare(password, user?.passwordHash ?? (await timingEqualiser()));
  if (!user || !ok || user.disabled) return null;
  const { passwordHash: _hash, ...safe } = user;
  return safe;
}

export async function changePassword(db: Db, userId: number, current: string, next: string): Promise<void> {
  const hash = await repo.findPasswordHash(db, userId);
  if (!hash || !(await bcrypt.compare(current, hash))) throw new Invalid({ current_password: 'Your current password is not correct.' });
  await repo.updatePassword(db, userId, await bcrypt.hash(next, BCRYPT_COST));
}

/** The account behind a session, if it still may use it (not disabled, password not changed since). */
export async function userForSession(db: Db, id: number, sessionVersion: number): Promise<User | null> {
  return validSessionUser(await repo.findUserById(db, id), sessionVersion);
}

/** A session stays logged in only while its account is enabled and its password unchanged since. */
export function validSessionUser(user: User | null, sessionVersion: number): User | null {
  return user && !user.disabled && user.sessionVersion === sessionVersion ? user : null;
}


/** What other features may know of these accounts: id, name and email (the in-process AccountsPort). */
export function usersByIds(db: Db, ids: number[]) {
  return repo.findUsersByIds(db, [...new Set(ids)]);
}

export const { findUserById, findSessionWithUser, saveSession, deleteSession, deleteExpiredSessions, countUsers, listUsers, setRole, disableUser, enableUser } = repo;
