import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createUser, csrfFrom, csrfToken, login, PASSWORD } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

function sessionCookie(res: { headers: Record<string, unknown> }): string | undefined {
  const cookies = (res.headers['set-cookie'] as string[] | undefined) ?? [];
  return cookies.find((c) => c.startsWith('bookstore.sid='))?.split(';')[0];
}

async function sessionRows(): Promise<number> {
  const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM sessions');
  return Number(rows[0]?.n);
}

describe('login', () => {
  test('logs in with a new session id and goes to the catalog', async () => {
    const user = await createUser(t.pool);
    const agent = t.agent();
    const form = await agent.get('/login');
    const before = sessionCookie(form);
    assert.ok(before, 'the login form starts a session for its CSRF token');
    const res = await agent.post('/login').type('form').send({ email: user.email.toUpperCase(), password: PASSWORD, _csrf: csrfFrom(form.text) });
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, '/book/catalog');
    const after = sessionCookie(res);
    assert.ok(after);
    assert.notEqual(after, before, 'the session id is regenerated on login');
    const account = await agent.get('/account');
    assert.equal(account.status, 200);
    assert.match(account.text, new RegExp(user.email.replace('.', '\\.')));
    assert.ok(t.logs.some((line) => line.includes('"event":"login"')));
  });

  test('an unknown email and a wrong password get the same answer', async () => {
    const user = await createUser(t.pool);
    const unknown = await login(t.agent(), 'nobody.here@example.com', PASSWORD);
    const wrong = await login(t.agent(), user.email, 'not the right password');
    assert.equal(unknown.status, 401);
    assert.equal(wrong.status, 401);
    const message = (html: string) => /The email or password is not correct\./.exec(html)?.[0];
    assert.ok(message(unknown.text));
    assert.equal(message(unknown.text), message(wrong.text));
    assert.doesNotMatch(wrong.text, /not the right password/);
  });

  test('missing fields re-render the form with 422', async () => {
    const agent = t.agent();
    const token = await csrfToken(agent);
    const res = await agent.post('/login').type('form').send({ _csrf: token });
    assert.equal(res.status, 422);
    assert.match(res.text, /Enter your email address/);
    assert.match(res.text, /Enter your password/);
  });

  test('?next= is honoured for a local path only', async () => {
    const user = await createUser(t.pool);
    const cases: [string, string][] = [
      ['/account', '/account'],
      ['https://elsewhere.example', '/book/catalog'],
      ['//elsewhere.example/x', '/book/catalog'],
      ['/\\elsewhere.example', '/book/catalog'],
    ];
    for (const [next, expected] of cases) {
      const agent = t.agent();
      const form = await agent.get(`/login?next=${encodeURIComponent(next)}`);
      const carried = /name="next" value="([^"]*)"/.exec(form.text)?.[1] ?? '';
      const res = await agent.post('/login').type('form').send({ email: user.email, password: PASSWORD, next: carried, _csrf: csrfFrom(form.text) });
      assert.equal(res.status, 302);
      assert.equal(res.headers.location, expected, `next=${next}`);
      // Posting a foreign next directly is refused too.
      const direct = t.agent();
      const token = await csrfToken(direct);
      const res2 = await direct.post('/login').type('form').send({ email: user.email, password: PASSWORD, next, _csrf: token });
      assert.equal(res2.headers.location, expected, `posted next=${next}`);
    }
  });

  test('a private page sends an anonymous visitor to login and back', async () => {
    const res = await t.agent().get('/account');
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, '/login?next=%2Faccount');
  });

  test('the 11th failure within the window gets 429, counted across two app instances', async () => {
    const user = await createUser(t.pool);
    const first = t.agent();
    const second = t.sibling().agent();
    for (let i = 1; i <= 10; i++) {
      const agent = i % 2 ? first : second; // alternate instances: the count lives in MySQL
      const res = await login(agent, user.email, `wrong password ${i}`);
      assert.equal(res.status, 401, `failure ${i}`);
    }
    const blocked = await login(second, user.email, `wrong password 11`);
    assert.equal(blocked.status, 429);
    assert.match(blocked.text, /Too many failed logins.*Try again in 15 minutes/s);
    assert.ok(Number(blocked.headers['retry-after']) > 800);
    // Even the right password is refused while blocked.
    const right = await login(first, user.email, PASSWORD);
    assert.equal(right.status, 429);
    // Another account from the same address is not affected.
    const other = await createUser(t.pool);
    assert.equal((await login(t.agent(), other.email, PASSWORD)).status, 302);
  });

  test('logs contain no password, cookie or authorization values', async () => {
    const user = await createUser(t.pool);
    const agent = t.agent();
    await login(agent, user.email, 'secret-wrong-password-xyz');
    await login(agent, user.email, PASSWORD);
    await agent.get('/account').set('Authorization', 'Bearer super-secret-token-value');
    const all = t.logs.join('\n');
    assert.ok(all.includes('"event":"login_failed"'), 'a failed login is logged');
    assert.ok(!all.includes('secret-wrong-password-xyz'));
    assert.ok(!all.includes(PASSWORD));
    assert.ok(!all.includes('super-secret-token-value'));
    assert.ok(!/bookstore\.sid=s%3A/.test(all), 'no session cookie value in the logs');
  });
});

describe('sessions', () => {
  test('an anonymous visitor gets no cookie and no session row', async () => {
    const rowsBefore = await sessionRows();
    for (const path of ['/', '/ping', '/nothing-here', '/public/css/app.css']) {
      const res = await t.agent().get(path);
      assert.equal(res.headers['set-cookie'], undefined, path);
    }
    assert.equal(await sessionRows(), rowsBefore);
  });

  test('a session made on one instance works on another', async () => {
    const user = await createUser(t.pool);
    const agent = t.agent();
    const res = await login(agent, user.email);
    const cookie = sessionCookie(res)!;
    const other = await t.sibling().agent().get('/account').set('Cookie', cookie);
    assert.equal(other.status, 200);
    assert.match(other.text, /Your account/);
  });

  test('POST /logout deletes the row and the old cookie no longer works; GET /logout does nothing', async () => {
    const user = await createUser(t.pool);
    const agent = t.agent();
    const cookie = sessionCookie(await login(agent, user.email))!;
    const sid = decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]!;
    const byGet = await agent.get('/logout');
    assert.equal(byGet.status, 405);
    assert.equal((await agent.get('/account')).status, 200, 'still logged in after GET /logout');

    const page = await agent.get('/account');
    const res = await agent.post('/logout').type('form').send({ _csrf: csrfFrom(page.text) });
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, '/login?logged_out=1');
    const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT session_id FROM sessions WHERE session_id = ?', [sid]);
    assert.equal(rows.length, 0, 'the session row is gone');
    const replay = await t.agent().get('/account').set('Cookie', cookie);
    assert.equal(replay.status, 302);
    assert.match(String(replay.headers.location), /^\/login/);
    const notice = await t.agent().get('/login?logged_out=1');
    assert.match(notice.text, /You have been logged out/);
  });

  test('a logout without the CSRF token is refused and the session survives', async () => {
    const user = await createUser(t.pool);
    const agent = t.agent();
    await login(agent, user.email);
    const res = await agent.post('/logout').type('form').send({});
    assert.equal(res.status, 403);
    assert.equal((await agent.get('/account')).status, 200);
  });

  test('a session idle past its limit is ended', async () => {
    const user = await createUser(t.pool);
    const agent = t.agent();
    const cookie = sessionCookie(await login(agent, user.email))!;
    const sid = decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]!;
    // The store keeps the idle deadline (SESSION_IDLE_MINUTES after the last request).
    await t.pool.execute('UPDATE sessions SET expires = UNIX_TIMESTAMP() - 1 WHERE session_id = ?', [sid]);
    const res = await agent.get('/account');
    assert.equal(res.status, 302);
    assert.match(String(res.headers.location), /^\/login/);
  });

  test('the idle deadline rolls, but the row is written and the cookie sent again only once it moved by a minute', async () => {
    const user = await createUser(t.pool);
    const agent = t.agent();
    const cookie = sessionCookie(await login(agent, user.email))!;
    const sid = decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]!;
    const row = async () => {
      const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT expires, data FROM sessions WHERE session_id = ?', [sid]);
      return { expires: Number(rows[0]?.expires), data: String(rows[0]?.data) };
    };
    await agent.get('/account'); // shows the welcome flash: a save
    const saved = await row();
    for (let i = 0; i < 3; i++) {
      const res = await agent.get('/account');
      assert.equal(res.status, 200);
      assert.equal(sessionCookie(res), undefined, 'nor send the cookie again');
    }
    assert.deepEqual(await row(), saved, 'requests within the minute write nothing');
    // As if the last save was two minutes ago: the next request saves the moved deadline.
    await t.pool.execute(
      "UPDATE sessions SET expires = expires - 120, data = JSON_SET(data, '$.cookie.expires', DATE_FORMAT(FROM_UNIXTIME(expires - 120), '%Y-%m-%dT%H:%i:%s.000Z')) WHERE session_id = ?",
      [sid],
    );
    const moved = await row();
    const res = await agent.get('/account');
    assert.equal(res.status, 200);
    const after = await row();
    assert.ok(after.expires >= moved.expires + 119, `the deadline moved on (${moved.expires} → ${after.expires})`);
    assert.notEqual(after.data, moved.data);
    // The browser is told the same deadline, with the same session id.
    const refreshed = (res.headers['set-cookie'] as unknown as string[] | undefined)?.find((c) => c.startsWith(cookie.split('=')[0]!));
    assert.ok(refreshed?.startsWith(cookie), `the cookie is sent again (${refreshed})`);
    const expiresAt = Date.parse(/Expires=([^;]+)/.exec(refreshed!)?.[1] ?? '') / 1000;
    assert.ok(Math.abs(expiresAt - after.expires) <= 1, `cookie ${expiresAt} vs row ${after.expires}`);
  });

  test('a session older than the absolute limit is ended', async () => {
    const user = await createUser(t.pool);
    const agent = t.agent();
    const cookie = sessionCookie(await login(agent, user.email))!;
    const sid = decodeURIComponent(cookie.split('=')[1]!).slice(2).split('.')[0]!;
    await t.pool.execute("UPDATE sessions SET data = JSON_SET(data, '$.startedAt', 0) WHERE session_id = ?", [sid]);
    const res = await agent.get('/account');
    assert.equal(res.status, 302);
    const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT session_id FROM sessions WHERE session_id = ?', [sid]);
    assert.equal(rows.length, 0);
  });
});
