// The login limits behind a trusted proxy: per account+address (whatever the email's length), per
// address across every email (credential stuffing) and per account across every address (the slow
// backstop), all shared through MySQL.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { createUser, csrfFrom, PASSWORD, uniqueEmail } from '../helpers/users.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({ TRUST_PROXY: 'loopback', LOGIN_MAX_FAILURES: '3', LOGIN_ADDRESS_MAX_FAILURES: '6', LOGIN_ACCOUNT_MAX_FAILURES: '5' });
});
after(() => t.close());

// A 254-character address, the longest registration accepts, and a full-length IPv6 client.
const LONG_EMAIL = `${'a'.repeat(64)}@${'b'.repeat(63)}.${'c'.repeat(63)}.${'d'.repeat(57)}.com`;
const IPV6 = '2001:0db8:85a3:0000:0000:8a2e:0370:7334';
let nextAddress = 1;
const freshAddress = () => `2001:0db8:0000:0000:0000:0000:${(nextAddress++).toString(16).padStart(4, '0')}:0001`;

async function formLogin(email: string, password: string, ip: string) {
  const agent = t.agent();
  const form = await agent.get('/login').set('X-Forwarded-For', ip);
  return agent.post('/login').set('X-Forwarded-For', `${ip}`).type('form').send({ email, password, _csrf: csrfFrom(form.text) });
}

const apiLogin = (email: string, password: string, ip: string) => t.agent().post('/api/login').set('X-Forwarded-For', ip).send({ email, password });

async function limitRows(): Promise<number> {
  const [rows] = await t.pool.query<RowDataPacket[]>('SELECT COUNT(*) AS n FROM login_limits');
  return Number(rows[0]?.n);
}

describe('login limits', () => {
  test('a 254-character email registers, and its failures from a full IPv6 address are counted: 401 ×3, then 429', async () => {
    assert.equal(LONG_EMAIL.length, 254);
    const agent = t.agent();
    const form = await agent.get('/register');
    const registered = await agent
      .post('/register')
      .type('form')
      .send({ name: 'Long Address', email: LONG_EMAIL, password: PASSWORD, password_confirm: PASSWORD, _csrf: csrfFrom(form.text) });
    assert.equal(registered.status, 302, registered.text);

    const rowsBefore = await limitRows();
    for (let i = 1; i <= 3; i++) {
      const res = i % 2 ? await formLogin(LONG_EMAIL, `wrong password ${i}`, IPV6) : await apiLogin(LONG_EMAIL, `wrong password ${i}`, IPV6);
      assert.equal(res.status, 401, `failure ${i}: ${res.text.slice(0, 200)}`);
    }
    assert.ok((await limitRows()) > rowsBefore, 'the failures were stored');
    const page = await formLogin(LONG_EMAIL, 'wrong password 4', IPV6);
    assert.equal(page.status, 429);
    assert.match(page.text, /Too many failed logins for this account/);
    // The right password is refused too while blocked, on the page and on the API.
    assert.equal((await formLogin(LONG_EMAIL, PASSWORD, IPV6)).status, 429);
    const api = await apiLogin(LONG_EMAIL, PASSWORD, IPV6);
    assert.equal(api.status, 429);
    assert.ok(Number(api.headers['retry-after']) > 0);
    // The same account from another client address behind the same proxy is not blocked.
    assert.equal((await apiLogin(LONG_EMAIL, PASSWORD, freshAddress())).status, 200);
    assert.ok(!t.logs.join('\n').includes('ER_DATA_TOO_LONG'));
  });

  test('one address trying many emails gets 429 after LOGIN_ADDRESS_MAX_FAILURES, before any password is checked', async () => {
    const stuffer = freshAddress();
    for (let i = 1; i <= 6; i++) {
      const res = i % 2 ? await apiLogin(uniqueEmail('stuffed'), 'guess-password-1', stuffer) : await formLogin(uniqueEmail('stuffed'), 'guess-password-1', stuffer);
      assert.equal(res.status, 401, `failure ${i}`);
    }
    const blocked = await formLogin(uniqueEmail('stuffed'), 'guess-password-1', stuffer);
    assert.equal(blocked.status, 429);
    assert.match(blocked.text, /Too many failed logins from your network/);
    assert.ok(Number(blocked.headers['retry-after']) > 800);
    // A real account from that address is refused as well: the limit is on the address.
    const user = await createUser(t.pool);
    assert.equal((await apiLogin(user.email, PASSWORD, stuffer)).status, 429);
    // The limit is the real client's (from X-Forwarded-For through the trusted proxy), not the proxy's:
    // another client behind the same proxy logs in.
    assert.equal((await apiLogin(user.email, PASSWORD, freshAddress())).status, 200);
    assert.equal((await formLogin(user.email, PASSWORD, freshAddress())).status, 302);
  });

  test('a success does not reset the address count', async () => {
    const user = await createUser(t.pool);
    const address = freshAddress();
    for (let i = 1; i <= 6; i++) {
      assert.equal((await apiLogin(uniqueEmail('mixed'), 'guess-password-2', address)).status, 401);
      if (i === 3) assert.equal((await apiLogin(user.email, PASSWORD, address)).status, 200);
    }
    assert.equal((await apiLogin(uniqueEmail('mixed'), 'guess-password-2', address)).status, 429);
  });

  test('one account guessed from a new address each time gets 429 after LOGIN_ACCOUNT_MAX_FAILURES, on the page and the API', async () => {
    const user = await createUser(t.pool);
    for (let i = 1; i <= 5; i++) {
      const res = i % 2 ? await apiLogin(user.email, `wrong password ${i}`, freshAddress()) : await formLogin(user.email, `wrong password ${i}`, freshAddress());
      assert.equal(res.status, 401, `failure ${i}`);
    }
    // Whatever address comes next, the right password is refused too until the window ends.
    const api = await apiLogin(user.email, PASSWORD, freshAddress());
    assert.equal(api.status, 429);
    assert.match((api.body as { error: { message: string } }).error.message, /^Too many failed logins for this account\. Try again in 60 minutes/);
    assert.ok(Number(api.headers['retry-after']) > 3000);
    const page = await formLogin(user.email, PASSWORD, freshAddress());
    assert.equal(page.status, 429);
    assert.match(page.text, /Too many failed logins for this account\./);
    // Only that account: another one logs in from the same addresses' network.
    const other = await createUser(t.pool);
    assert.equal((await apiLogin(other.email, PASSWORD, freshAddress())).status, 200);
  });

  test('an email longer than 254 characters is a field error, not a 500', async () => {
    const res = await formLogin(`${'x'.repeat(300)}@example.com`, 'whatever-password', freshAddress());
    assert.equal(res.status, 422);
    assert.match(res.text, /at most 254 characters/);
    const api = await apiLogin(`${'x'.repeat(300)}@example.com`, 'whatever-password', freshAddress());
    assert.equal(api.status, 422);
  });

  test('spellings the database treats as one email (case, accents, full-width) share one count', async () => {
    const user = await createUser(t.pool, { email: uniqueEmail('admin') });
    const [local, domain] = user.email.split('@') as [string, string];
    const address = freshAddress();
    const variants = [`Á${local.slice(1)}@${domain}`, `${local.slice(0, -1)}\u0301${local.slice(-1)}@${domain}`, `\uff41${local.slice(1)}@${domain.toUpperCase()}`];
    for (const email of variants) assert.equal((await apiLogin(email, 'wrong password', address)).status, 401, email);
    assert.equal((await apiLogin(user.email, PASSWORD, address)).status, 429);
    // What is still not ASCII after folding can match no account: a field error, no password check.
    const odd = await formLogin(`\u0436${local}@${domain}`, PASSWORD, freshAddress());
    assert.equal(odd.status, 422);
    assert.match(odd.text, /Enter a valid email address/);
  });
});
