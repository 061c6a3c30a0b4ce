// Administration of accounts: an admin cannot lock themselves out.
import type { Db } from '../db/pool.js';
import { findUserById } from '../accounts/accounts.service.js';
import { Conflict, NotFound } from '../http/errors.js';
import * as repo from './admin.repo.js';

async function target(db: Db, actorId: number, userId: number, action: string) {
  const user = await findUserById(db, userId);
  if (!user) throw new NotFound('There is no such account.');
  if (user.id === actorId) throw new Conflict(`You cannot ${action} your own account. Ask another administrator.`);
  return user;
}

export async function changeRole(db: Db, actorId: number, userId: number, role: 'user' | 'admin'): Promise<void> {
  const user = await target(db, actorId, userId, 'change the role of');
  if (!(await repo.setRole(db, userId, role))) throw new Conflict(`${user.email} already has this role.`);
}

export async function setDisabled(db: Db, actorId: number, userId: number, disabled: boolean, now = new Date()): Promise<string> {
  const user = await target(db, actorId, userId, disabled ? 'disable' : 'enable');
  const changed = disabled ? await repo.disable(db, userId, now) : await repo.enable(db, userId);
  if (!changed) throw new Conflict(`${user.email} is already ${disabled ? 'disabled' : 'active'}.`);
  return user.email;
}
