import bcrypt from 'bcrypt';
import { randomBytes } from 'node:crypto';
import { insertUser, setRole } from '../../src/accounts/accounts.repo.js';
import type { Pool } from '../../src/db/pool.js';
import type supertest from 'supertest';

type Agent = ReturnType<typeof supertest.agent>;

export const PASSWORD = 'correct horse battery staple';
let hashOfPassword: string | undefined;

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}.${randomBytes(4).toString('hex')}@example.com`;
}

/** The `_csrf` value from a page's form. */
export function csrfFrom(html: string): string {
  const match = /name="_csrf" value="([^"]+)"/.exec(html);
  if (!match?.[1]) throw new Error('no _csrf input on the page');
  return match[1];
}

/** Fetches a page with the agent and returns its CSRF token. */
export async function csrfToken(agent: Agent, path = '/login'): Promise<string> {
  const res = await agent.get(path);
  return csrfFrom(res.text);
}

/** Makes an account through accounts' repo (fast fixture: the hash is made once); the password is PASSWORD. */
export async function createUser(pool: Pool, opts: { email?: string; name?: string; role?: 'user' | 'admin' } = {}) {
  hashOfPassword ??= await bcrypt.hash(PASSWORD, 12);
  const email = opts.email ?? uniqueEmail();
  const name = opts.name ?? 'Test Reader';
  const id = await insertUser(pool, { name, email, passwordHash: hashOfPassword });
  if (opts.role === 'admin') await setRole(pool, id, 'admin');
  return { id, email, name, password: PASSWORD };
}

/** Logs the agent in through the real form. */
export async function login(agent: Agent, email: string, password = PASSWORD) {
  const token = await csrfToken(agent, '/login');
  return agent.post('/login').type('form').send({ email, password, _csrf: token });
}

/** A new account, logged in on a new agent. */
export async function loggedInAgent(app: { pool: Pool; agent(): Agent }, opts: { role?: 'user' | 'admin'; name?: string } = {}) {
  const user = await createUser(app.pool, opts);
  const agent = app.agent();
  const res = await login(agent, user.email);
  if (res.status !== 302) throw new Error(`login failed with ${res.status}`);
  return { agent, user };
}
