import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createUser, csrfToken, uniqueEmail } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

async function register(fields: Record<string, string>) {
  const agent = t.agent();
  const token = await csrfToken(agent, '/register');
  const res = await agent.post('/register').type('form').send({ _csrf: token, ...fields });
  return { agent, res };
}

async function countUsersWithEmail(email: string): Promise<number> {
  const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM users WHERE email = ?', [email.toLowerCase()]);
  return Number(rows[0]?.n);
}

describe('registration', () => {
  test('creates an account with a bcrypt cost-12 hash, logs in and goes to the catalog', async () => {
    const email = uniqueEmail('New.Reader');
    const { agent, res } = await register({ name: 'Ana Lopez', email, password: 'a long and unusual passphrase', password_confirm: 'a long and unusual passphrase' });
    assert.equal(res.status, 302);
    assert.equal(res.headers.location, '/book/catalog');
    const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT name, email, password_hash, role FROM users WHERE email = ?', [email.toLowerCase()]);
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.name, 'Ana Lopez');
    assert.equal(rows[0]?.role, 'user');
    assert.match(String(rows[0]?.password_hash), /^\$2b\$12\$/);
    const account = await agent.get('/account');
    assert.equal(account.status, 200);
    assert.match(account.text, /Ana Lopez/);
  });

  test('the same email in another case is refused with 422 and the typed values kept', async () => {
    const existing = await createUser(t.pool);
    const { res } = await register({ name: 'Copy Cat', email: existing.email.toUpperCase(), password: 'another long passphrase', password_confirm: 'another long passphrase' });
    assert.equal(res.status, 422);
    assert.match(res.text, /An account with this email already exists/);
    assert.match(res.text, /value="Copy Cat"/);
    assert.doesNotMatch(res.text, /another long passphrase/);
    assert.equal(await countUsersWithEmail(existing.email), 1);
  });

  const badPasswords: [string, string, RegExp][] = [
    ['short', 'elevenchars', /at least 12 characters/],
    ['longer than 72 bytes', 'é'.repeat(37), /at most 72 bytes/],
    ['common', 'password1234', /too common/],
    ['common in other case', 'QWERTY123456', /too common/],
  ];
  for (const [label, password, message] of badPasswords) {
    test(`a ${label} password is refused and nothing is stored`, async () => {
      const email = uniqueEmail();
      const { res } = await register({ name: 'Someone', email, password, password_confirm: password });
      assert.equal(res.status, 422);
      assert.match(res.text, message);
      assert.match(res.text, /aria-invalid="true"/);
      assert.equal(await countUsersWithEmail(email), 0);
    });
  }

  test('72 bytes exactly is accepted', async () => {
    const password = 'x1y2'.repeat(18);
    const { res } = await register({ name: 'Edge', email: uniqueEmail(), password, password_confirm: password });
    assert.equal(res.status, 302);
  });

  test('missing fields and a mismatched confirmation each get a message', async () => {
    const { res } = await register({ password: 'a long and unusual passphrase', password_confirm: 'something else entirely' });
    assert.equal(res.status, 422);
    assert.match(res.text, /Enter your name/);
    assert.match(res.text, /Enter your email address/);
    assert.match(res.text, /The passwords do not match/);
    const invalidEmail = await register({ name: 'X', email: 'not-an-email', password: 'a long and unusual passphrase', password_confirm: 'a long and unusual passphrase' });
    assert.equal(invalidEmail.res.status, 422);
    assert.match(invalidEmail.res.text, /valid email address/);
  });

  test('a POST without a CSRF token, or with a wrong one, gets 403 and creates nothing', async () => {
    const email = uniqueEmail();
    const fields = { name: 'No Token', email, password: 'a long and unusual passphrase', password_confirm: 'a long and unusual passphrase' };
    const agent = t.agent();
    await agent.get('/register');
    const missing = await agent.post('/register').type('form').send(fields);
    assert.equal(missing.status, 403);
    assert.match(missing.text, /form has expired/);
    assert.match(String(missing.headers['content-type']), /text\/html/);
    assert.match(missing.text, /<nav/, 'the refusal is a page in the site layout');
    const wrong = await agent.post('/register').type('form').send({ ...fields, _csrf: 'not-the-token' });
    assert.equal(wrong.status, 403);
    // A token from another session does not work either.
    const otherToken = await csrfToken(t.agent(), '/register');
    const foreign = await agent.post('/register').type('form').send({ ...fields, _csrf: otherToken });
    assert.equal(foreign.status, 403);
    assert.equal(await countUsersWithEmail(email), 0);
  });
});
