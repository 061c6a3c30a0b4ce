// Administration of accounts: an admin cannot lock themselves out. The accounts feature owns the
// rows; this only adds the administrator's rules.
import type { Db } from '../db/pool.js';
import { disableUser, enableUser, findUserById, setRole } from './accounts.service.js';
import { Conflict, NotFound } from '../http/errors.js';

/** `self`: the message when the administrator names their own account. */
async function target(db: Db, actorId: number, userId: number, self: string) {
  const user = await findUserById(db, userId);
  if (!user) throw new NotFound('There is no such account.');
  if (user.id === actorId) throw new Conflict(self);
  return user;
}

export async function changeRole(db: Db, actorId: number, userId: number, role: 'user' | 'admin'): Promise<void> {
  const user = await target(db, actorId, userId, 'You cannot change the role of your own account. Ask another administrator.');
  if (!(await setRole(db, userId, role))) throw new Conflict('{email} already has this role.', { email: user.email });
}

export async function setDisabled(db: Db, actorId: number, userId: number, disabled: boolean, now = new Date()): Promise<string> {
  const user = await target(db, actorId, userId, disabled ? 'You cannot disable your own account. Ask another administrator.' : 'You cannot enable your own account. Ask another administrator.');
  const changed = disabled ? await disableUser(db, userId, now) : await enableUser(db, userId);
  if (!changed) throw new Conflict(disabled ? '{email} is already disabled.' : '{email} is already active.', { email: user.email });
  return user.email;
}
