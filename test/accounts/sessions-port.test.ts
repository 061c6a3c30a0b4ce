// SessionRows, the contract every app's session store runs on: accounts' own table in-process (the
// monolith, auth) and auth's /internal/accounts/sessions over HTTP (catalog and order, which hold no
// database URL of auth's). Same answers both ways; the expired-session purge is accounts' job.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { accountsInternalRoutes } from '../../src/accounts/accounts.internal.js';
import { accountsJobs } from '../../src/accounts/accounts.jobs.js';
import { localSessions } from '../../src/accounts/sessions.local.js';
import type { RowDataPacket } from '../../src/db/pool.js';
import type { SessionRows } from '../../src/http/session.js';
import { httpSessions } from '../../src/services/sessions.client.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { serveInternal, type InternalServer } from '../helpers/internal.js';
import { createUser } from '../helpers/users.js';

let t: TestApp;
let authService: InternalServer;
let overHttp: SessionRows;
before(async () => {
  t = await startTestApp();
  authService = await serveInternal('auth', 'catalog', accountsInternalRoutes({ pool: t.pool }));
  overHttp = httpSessions(authService.call);
});
after(async () => {
  await authService.close();
  await t.close();
});

const newSid = () => randomBytes(24).toString('base64url');
const inAnHour = () => Math.round(Date.now() / 1000) + 3600;

function contract(name: string, rows: () => SessionRows) {
  describe(`SessionRows contract: ${name}`, () => {
    test('a saved session reads back as saved; saving again replaces it; removed, it reads as none', async () => {
      const sid = newSid();
      assert.equal(await rows().read(sid), null);
      const expires = inAnHour();
      await rows().write(sid, JSON.stringify({ cookie: {}, flash: [{ type: 'info', text: 'Hi' }] }), expires);
      assert.deepEqual(await rows().read(sid), { data: '{"cookie":{},"flash":[{"type":"info","text":"Hi"}]}', expires, user: null });
      await rows().write(sid, '{"cookie":{},"csrfToken":"abc"}', expires + 60);
      assert.deepEqual(await rows().read(sid), { data: '{"cookie":{},"csrfToken":"abc"}', expires: expires + 60, user: null });
      await rows().remove(sid);
      assert.equal(await rows().read(sid), null);
      await rows().remove(sid); // removing twice is fine (a retry)
    });

    test("a logged-in session reads with its account as it is now (role, version, disabled), for the caller's check", async () => {
      const user = await createUser(t.pool, { name: 'Sal' });
      const sid = newSid();
      await rows().write(sid, JSON.stringify({ cookie: {}, passport: { user: { id: user.id, v: 1 } } }), inAnHour());
      const read = await rows().read(sid);
      const account = read?.user as { id: number; name: string; role: string; sessionVersion: number; disabled: boolean; createdAt: Date };
      assert.deepEqual([account.id, account.name, account.role, account.sessionVersion, account.disabled], [user.id, 'Sal', 'user', 1, false]);
      assert.ok(account.createdAt instanceof Date && !Number.isNaN(account.createdAt.getTime()));
      await t.pool.execute('UPDATE users SET disabled_at = NOW(), session_version = session_version + 1 WHERE id = ?', [user.id]);
      const after = (await rows().read(sid))?.user as { disabled: boolean; sessionVersion: number };
      assert.deepEqual([after.disabled, after.sessionVersion], [true, 2], 'no copy kept anywhere');
    });
  });
}

contract('in-process', () => localSessions(t.pool));
contract("HTTP (catalog's and order's client, auth's internal router)", () => overHttp);

describe("auth's sessions endpoint", () => {
  test('an id that is not a session id reads as none and saves nothing', async () => {
    for (const sid of ['short', 'a'.repeat(200), 'bad id with spaces and more than sixteen']) assert.equal(await overHttp.read(sid), null);
    await assert.rejects(overHttp.write('x', '{}', inAnHour()), /auth answered 422/);
    await assert.rejects(overHttp.write(newSid(), '{}', -1), /auth answered 422/);
  });

  test('the purge job deletes expired sessions only', async () => {
    const [old, live] = [newSid(), newSid()];
    await localSessions(t.pool).write(old, '{}', Math.round(Date.now() / 1000) - 10);
    await localSessions(t.pool).write(live, '{}', inAnHour());
    const [purge] = accountsJobs(t.pool);
    assert.equal(purge?.name, 'purge-expired-sessions');
    assert.ok((await purge.run()) >= 1);
    const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT session_id FROM sessions WHERE session_id IN (?, ?)', [old, live]);
    assert.deepEqual(rows.map((r) => r.session_id as string), [live]);
  });
});
