// Administration of accounts: an admin cannot lock themselves out. The accounts feature owns the
// rows; this only adds the administrator's rules.
import type { Db } from '../db/pool.js';
import { disableUser, enableUser, findUserById, setRole } from '../accounts/accounts.service.js';
import { Conflict, NotFound } from '../http/errors.js';

async function target(db: Db, actorId: number, userId: number, action: string) {
  const user = await findUserById(db, userId);
  if (!user) throw new NotFound('There is no such account.');
  if (user.id === actorId) throw new Conflict(`You cannot ${action} your own account. Ask another administrator.`);
  return user;
}

export async function changeRole(db: Db, actorId: number, userId: number, role: 'user' | 'admin'): Promise<void> {
  const user = await target(db, actorId, userId, 'change the role of');
  if (!(await setRole(db, userId, role))) throw new Conflict(`${user.email} already has this role.`);
}

export async function setDisabled(db: Db, actorId: number, userId: number, disabled: boolean, now = new Date()): Promise<string> {
  const user = await target(db, actorId, userId, disabled ? 'disable' : 'enable');
  const changed = disabled ? await disableUser(db, userId, now) : await enableUser(db, userId);
  if (!changed) throw new Conflict(`${user.email} is already ${disabled ? 'disabled' : 'active'}.`);
  return user.email;
}
