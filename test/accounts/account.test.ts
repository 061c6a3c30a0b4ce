import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import bcrypt from 'bcrypt';
import type { RowDataPacket } from '../../src/db/pool.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createUser, csrfFrom, csrfToken, loggedInAgent, login, PASSWORD } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

describe('account page', () => {
  test('shows the name and email, escaped', async () => {
    const { agent, user } = await loggedInAgent(t, { name: '<script>alert(1)</script> Reader' });
    const res = await agent.get('/account');
    assert.equal(res.status, 200);
    assert.match(res.text, /&lt;script&gt;alert\(1\)&lt;\/script&gt; Reader/);
    assert.doesNotMatch(res.text, /<script>alert/);
    assert.ok(res.text.includes(user.email));
  });

  test('changing the password needs the current one', async () => {
    const { agent, user } = await loggedInAgent(t);
    const page = await agent.get('/account');
    const wrong = await agent.post('/account/password').type('form').send({
      _csrf: csrfFrom(page.text), current_password: 'not my password', password: 'a brand new passphrase', password_confirm: 'a brand new passphrase',
    });
    assert.equal(wrong.status, 422);
    assert.match(wrong.text, /current password is not correct/);
    const missing = await agent.post('/account/password').type('form').send({ _csrf: csrfFrom(page.text), password: 'a brand new passphrase', password_confirm: 'a brand new passphrase' });
    assert.equal(missing.status, 422);
    assert.match(missing.text, /Enter your current password/);
    const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT password_hash FROM users WHERE id = ?', [user.id]);
    assert.ok(await bcrypt.compare(PASSWORD, String(rows[0]?.password_hash)), 'unchanged');
  });

  test('a changed password logs out other devices but keeps this one', async () => {
    const { agent, user } = await loggedInAgent(t);
    const otherDevice = t.agent();
    await login(otherDevice, user.email);
    const page = await agent.get('/account');
    const res = await agent.post('/account/password').type('form').send({
      _csrf: csrfFrom(page.text), current_password: PASSWORD, password: 'a brand new passphrase', password_confirm: 'a brand new passphrase',
    });
    assert.equal(res.status, 302);
    const after = await agent.get('/account');
    assert.equal(after.status, 200);
    assert.match(after.text, /Your password has been changed/);
    assert.equal((await otherDevice.get('/account')).status, 302, 'the other session has ended');
    assert.equal((await login(t.agent(), user.email, 'a brand new passphrase')).status, 302);
    assert.equal((await login(t.agent(), user.email, PASSWORD)).status, 401);
  });
});

describe('roles', () => {
  test('/admin/users is for admins only', async () => {
    const anonymous = await t.agent().get('/admin/users');
    assert.equal(anonymous.status, 302);
    const { agent } = await loggedInAgent(t);
    const forbidden = await agent.get('/admin/users');
    assert.equal(forbidden.status, 403);
    assert.doesNotMatch(forbidden.text, /@example\.com/, 'no emails leak to a non-admin');
    const { agent: admin } = await loggedInAgent(t, { role: 'admin' });
    const ok = await admin.get('/admin/users');
    assert.equal(ok.status, 200);
    assert.match(ok.text, /Accounts/);
    assert.match(ok.text, /@example\.com/);
    const badPage = await admin.get('/admin/users?page=abc');
    assert.equal(badPage.status, 200);
  });

  test('npm run admin -- <email> makes an existing account an admin', async () => {
    const user = await createUser(t.pool);
    const env = { ...process.env, DATABASE_URL: t.db.url, NODE_ENV: 'test' };
    const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/accounts/make-admin.cli.ts', user.email.toUpperCase()], { env, encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    assert.match(run.stdout, /is now an admin/);
    const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT role FROM users WHERE id = ?', [user.id]);
    assert.equal(rows[0]?.role, 'admin');
    const unknown = spawnSync(process.execPath, ['--import', 'tsx', 'src/accounts/make-admin.cli.ts', 'nobody@example.com'], { env, encoding: 'utf8' });
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /No account with the email nobody@example\.com/);
  });

  test('a disabled account can no longer log in and its sessions end', async () => {
    const { agent, user } = await loggedInAgent(t);
    await t.pool.execute('UPDATE users SET disabled_at = NOW() WHERE id = ?', [user.id]);
    assert.equal((await agent.get('/account')).status, 302);
    const again = await login(t.agent(), user.email);
    assert.equal(again.status, 401);
  });
});

describe('csrf', () => {
  test('the token of one session does not work in another', async () => {
    const { agent } = await loggedInAgent(t);
    const foreign = await csrfToken(t.agent());
    const res = await agent.post('/account/password').type('form').send({ _csrf: foreign, current_password: PASSWORD, password: 'x'.repeat(20), password_confirm: 'x'.repeat(20) });
    assert.equal(res.status, 403);
  });
});
