// E-mail through a real SMTP server (in-process smtp-server): verification after registration,
// password reset, a change of address, the outbox's retries, races and health, and no account
// enumeration by the forgot-password form's answer or time. Links are opened from the real message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { RowDataPacket } from '../../src/db/pool.js';
import { enqueueMail, sendDueMail } from '../../src/mail/outbox.js';
import { purgeOld } from '../../src/mail/outbox.repo.js';
import { linkSealer } from '../../src/accounts/link-seal.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { drain, linkIn, senders, startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { createUser, csrfFrom, csrfToken, loggedInAgent, login, PASSWORD, uniqueEmail } from '../helpers/users.js';

const PUBLIC = 'https://shop.example.test';
let smtp: TestSmtp;
let t: TestApp;
let send: ReturnType<typeof senders>;

before(async () => {
  smtp = await startSmtp();
  t = await startTestApp({ SMTP_URL: smtp.url, PUBLIC_URL: PUBLIC, MAIL_RETRY_SECONDS: '1', MAIL_MAX_ATTEMPTS: '4', MAIL_LINKS_PER_HOUR: '1000', MAIL_LINKS_PER_HOUR_PER_ADDRESS: '1000' });
  send = senders(t);
});
after(async () => {
  send.close();
  await t.close();
  await smtp.stop();
});

const pathOf = (url: string) => url.slice(PUBLIC.length);
const noSecrets = (text: string) => {
  assert.doesNotMatch(text, /\d{13,19}/, 'no card number');
  assert.doesNotMatch(text, /password_hash|\$2[aby]\$/, 'no password hash');
};
/** No line of the app's log holds a link's token. */
function assertTokensNotLogged(tokens: string[]) {
  const log = t.logs.join('');
  for (const token of tokens) assert.ok(!log.includes(token), 'a link token reached the log');
}

async function register(lang: 'en' | 'es', email = uniqueEmail('new')) {
  const agent = t.agent().set('Accept-Language', lang);
  const form = await agent.get('/register');
  const res = await agent.post('/register').type('form').send({ _csrf: csrfFrom(form.text), name: 'Ana <b>Reader</b>', email, password: PASSWORD, password_confirm: PASSWORD });
  assert.equal(res.status, 302, res.text);
  return { agent, email };
}

describe('verifying the address after registration', () => {
  test('one e-mail in the registration language, with a link from PUBLIC_URL that verifies once', async () => {
    const { agent, email } = await register('en');
    const { email: spanish } = await register('es');
    const [queued] = await t.pool.execute<RowDataPacket[]>('SELECT data FROM account_outbox WHERE recipient = ?', [email]);
    assert.equal(await drain(send), 2);
    const [mail] = smtp.to(email);
    assert.equal(smtp.to(email).length, 1);
    assert.equal(mail!.subject, 'Confirm your e-mail address');
    assert.match(mail!.text, /Hello, Ana <b>Reader<\/b>,/);
    assert.match(mail!.html, /Hello, Ana &#60;b&#62;Reader&#60;\/b&#62;,/, 'HTML escapes the name');
    assert.match(mail!.html, /<html lang="en">/);
    assert.equal(smtp.to(spanish)[0]!.subject, 'Confirma tu dirección de correo');
    const link = linkIn(mail!, `${PUBLIC}/verify-email/`);
    assert.match(link, /^https:\/\/shop\.example\.test\/verify-email\/[A-Za-z0-9_-]{43}$/);
    noSecrets(mail!.raw);

    const [before] = await t.pool.execute<RowDataPacket[]>('SELECT email_verified_at FROM users WHERE email = ?', [email]);
    assert.equal(before[0]!.email_verified_at, null);
    const page = await agent.get(pathOf(link));
    assert.equal(page.status, 200);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    const done = await agent.post(pathOf(link)).type('form').send({ _csrf: csrfFrom(page.text) });
    assert.equal(done.status, 302);
    assert.equal(done.headers.location, '/account');
    assert.match((await agent.get('/account')).text, /Your e-mail address is verified/);
    const [afterRows] = await t.pool.execute<RowDataPacket[]>('SELECT email_verified_at FROM users WHERE email = ?', [email]);
    assert.notEqual(afterRows[0]!.email_verified_at, null);

    const again = await agent.get(pathOf(link));
    assert.equal(again.status, 410);
    assert.match(again.text, /This link no longer works/);
    assertTokensNotLogged([link.split('/').pop()!]);
    assert.ok(!String(queued[0]!.data).includes(link.split('/').pop()!), 'the token waited sealed in the outbox');
    // The outbox keeps who and when, not the link.
    const [rows] = await t.pool.execute<RowDataPacket[]>("SELECT status, data FROM account_outbox WHERE recipient = ?", [email]);
    assert.deepEqual(rows.map((r) => [r.status as unknown, r.data as unknown]), [['sent', null]]);
  });

  test('with EMAIL_VERIFICATION=required an unverified account buys but cannot list a book, and can ask for a new link', async () => {
    const { agent, email } = await register('en');
    const page = await agent.get('/book/add_book');
    assert.equal(page.status, 403);
    assert.match(page.text, /Verify your e-mail address first/);
    const api = await t.agent().post('/api/login').send({ email, password: PASSWORD });
    const token = (api.body as { token: string }).token;
    const listed = await t.agent().post('/api/add_book').set('Authorization', `Bearer ${token}`).send({ title: 'Kindred', author: 'Octavia E. Butler', condition: 'good', price: '14.00', stock: 1 });
    assert.equal(listed.status, 403);
    assert.match(listed.text, /POST \/account\/verify-email/);

    const resend = await agent.post('/account/verify-email').type('form').send({ _csrf: csrfFrom(page.text) });
    assert.equal(resend.status, 302);
    await drain(send);
    const mails = smtp.to(email);
    assert.equal(mails.length, 2, 'the first link and the new one');
    const older = linkIn(mails[0]!, `${PUBLIC}/verify-email/`);
    const newer = linkIn(mails[1]!, `${PUBLIC}/verify-email/`);
    assert.equal((await agent.get(pathOf(older))).status, 410, 'a newer link voids the older one');
    const form = await agent.get(pathOf(newer));
    assert.equal((await agent.post(pathOf(newer)).type('form').send({ _csrf: csrfFrom(form.text) })).status, 302);
    assert.equal((await agent.get('/book/add_book')).status, 200);
  });

  test('a changed address needs the password and takes effect when the link sent to it is opened', async () => {
    const { agent, user } = await loggedInAgent(t);
    const next = uniqueEmail('moved');
    const page = await agent.get('/account');
    const wrong = await agent.post('/account/email').type('form').send({ _csrf: csrfFrom(page.text), new_email: next, email_password: 'not my password' });
    assert.equal(wrong.status, 422);
    assert.match(wrong.text, /Your password is not correct/);
    const ok = await agent.post('/account/email').type('form').send({ _csrf: csrfFrom(page.text), new_email: next, email_password: PASSWORD });
    assert.equal(ok.status, 302);
    await drain(send);
    assert.equal(smtp.to(next).length, 1);
    const [still] = await t.pool.execute<RowDataPacket[]>('SELECT email FROM users WHERE id = ?', [user.id]);
    assert.equal(still[0]!.email, user.email, 'not before the link is opened');
    const link = linkIn(smtp.to(next)[0]!, `${PUBLIC}/verify-email/`);
    const anonymous = t.agent();
    const form = await anonymous.get(pathOf(link));
    const done = await anonymous.post(pathOf(link)).type('form').send({ _csrf: csrfFrom(form.text) });
    assert.equal(done.headers.location, '/login?verified=1');
    const [now] = await t.pool.execute<RowDataPacket[]>('SELECT email FROM users WHERE id = ?', [user.id]);
    assert.equal(now[0]!.email, next);
    assert.equal((await login(t.agent(), next)).status, 302);
  });
});

const queuedFor = async (email: string) => {
  const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT COUNT(*) AS n FROM email_tokens t JOIN users u ON u.id = t.user_id WHERE u.email = ?', [email]);
  return Number(rows[0]!.n);
};

/** Asks for a reset link; the link is made after the answer, so this waits for it when the account exists. */
async function forgot(email: string, agent = t.agent()) {
  const before = await queuedFor(email);
  const form = await agent.get('/forgot-password');
  const res = await agent.post('/forgot-password').type('form').send({ _csrf: csrfFrom(form.text), email });
  const [exists] = await t.pool.execute<RowDataPacket[]>('SELECT 1 FROM users WHERE email = ? AND disabled_at IS NULL', [email]);
  if (res.status === 200 && exists.length) {
    for (let i = 0; (await queuedFor(email)) === before; i++) {
      if (i > 200) throw new Error('no reset link was made');
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return res;
}

describe('password reset', () => {
  test('the link from the e-mail sets the password once and ends every session and API token', async () => {
    const user = await createUser(t.pool, { name: 'Rosa' });
    const otherDevice = t.agent();
    await login(otherDevice, user.email);
    const apiToken = ((await t.agent().post('/api/login').send({ email: user.email, password: PASSWORD })).body as { token: string }).token;
    assert.equal((await t.agent().get('/api/my_books').set('Authorization', `Bearer ${apiToken}`)).status, 200);

    const login1 = await t.agent().get('/login');
    assert.match(login1.text, /href="\/forgot-password"/);
    const asked = await forgot(user.email.toUpperCase());
    assert.equal(asked.status, 200);
    assert.match(asked.text, /If an account uses this address/);
    await drain(send);
    const mails = smtp.to(user.email);
    assert.equal(mails.length, 1);
    assert.equal(mails[0]!.subject, 'Restablece tu contraseña de BookStore', 'in the account language (Spanish by default)');
    const link = linkIn(mails[0]!, `${PUBLIC}/reset-password/`);

    const agent = t.agent();
    const form = await agent.get(pathOf(link));
    assert.equal(form.status, 200);
    assert.match(form.text, /name="password_confirm"/);
    const mismatch = await agent.post(pathOf(link)).type('form').send({ _csrf: csrfFrom(form.text), password: 'a brand new passphrase', password_confirm: 'another one entirely' });
    assert.equal(mismatch.status, 422);
    assert.match(mismatch.text, /The passwords do not match/);
    const weak = await agent.post(pathOf(link)).type('form').send({ _csrf: csrfFrom(form.text), password: 'short', password_confirm: 'short' });
    assert.equal(weak.status, 422);
    const done = await agent.post(pathOf(link)).type('form').send({ _csrf: csrfFrom(form.text), password: 'a brand new passphrase', password_confirm: 'a brand new passphrase' });
    assert.equal(done.status, 302);
    assert.equal(done.headers.location, '/login?password_reset=1');
    assert.match((await agent.get('/login?password_reset=1')).text, /Your password has been changed/);

    assert.equal((await otherDevice.get('/account')).status, 302, 'the other session ended');
    assert.equal((await t.agent().get('/api/my_books').set('Authorization', `Bearer ${apiToken}`)).status, 401, 'the API token ended');
    assert.equal((await login(t.agent(), user.email, PASSWORD)).status, 401);
    assert.equal((await login(t.agent(), user.email, 'a brand new passphrase')).status, 302);

    const reused = await t.agent().get(pathOf(link));
    assert.equal(reused.status, 410);
    assert.match(reused.text, /href="\/forgot-password"/, 'offers a new link');
    const replay = await agent.post(pathOf(link)).type('form').send({ _csrf: csrfFrom(form.text), password: 'yet another passphrase', password_confirm: 'yet another passphrase' });
    assert.equal(replay.status, 410);
    assertTokensNotLogged([link.split('/').pop()!]);
  });

  test('an expired link says so; a newer link voids the older one; a made-up one changes nothing', async () => {
    const user = await createUser(t.pool);
    await forgot(user.email);
    await forgot(user.email);
    await drain(send);
    const [first, second] = smtp.to(user.email).map((m) => linkIn(m, `${PUBLIC}/reset-password/`));
    assert.equal((await t.agent().get(pathOf(first!))).status, 410);
    assert.equal((await t.agent().get(pathOf(second!))).status, 200);
    await t.pool.execute("UPDATE email_tokens SET expires_at = NOW() - INTERVAL 1 MINUTE WHERE user_id = ? AND purpose = 'reset_password'", [user.id]);
    const expired = await t.agent().get(pathOf(second!));
    assert.equal(expired.status, 410);
    assert.match(expired.text, /It has expired, it was already used/);
    assert.equal((await t.agent().get('/reset-password/not-a-token')).status, 410);
    assert.equal((await t.agent().get(`/reset-password/${'A'.repeat(43)}`)).status, 410);
  });

  test('an unknown address gets the same answer and no e-mail', async () => {
    const sent = smtp.received.length;
    const unknown = await forgot(uniqueEmail('nobody'));
    const user = await createUser(t.pool);
    const known = await forgot(user.email);
    const strip = (html: string) => html.replace(/name="_csrf" value="[^"]+"/g, '').replace(/value="[^"]*@example\.com"/g, '');
    assert.equal(unknown.status, known.status);
    assert.equal(strip(unknown.text), strip(known.text));
    await drain(send);
    assert.equal(smtp.received.length, sent + 1);
    const bad = await forgot('not an address');
    assert.equal(bad.status, 422);
  });

  test('no enumeration by time: the medians of known and unknown addresses are close', async () => {
    const user = await createUser(t.pool);
    const agent = t.agent();
    const token = await csrfToken(agent, '/forgot-password');
    const time = async (email: string) => {
      const started = performance.now();
      const res = await agent.post('/forgot-password').type('form').send({ _csrf: token, email });
      assert.equal(res.status, 200);
      return performance.now() - started;
    };
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 25; i++) {
      known.push(await time(user.email));
      unknown.push(await time(uniqueEmail('nobody')));
    }
    const median = (xs: number[]) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    const [k, u] = [median(known), median(unknown)];
    await new Promise((r) => setTimeout(r, 300)); // the last links are written after their answers
    await drain(send);
    // The same statements run either way; a tolerant bound keeps a busy machine from failing it.
    assert.ok(Math.abs(k - u) < Math.max(8, 0.5 * Math.min(k, u)), `known ${k.toFixed(1)} ms, unknown ${u.toFixed(1)} ms`);
  });
});

describe('the outbox', () => {
  test('SMTP down, then back: every e-mail arrives once', async () => {
    const emails = [uniqueEmail('outage'), uniqueEmail('outage'), uniqueEmail('outage')];
    for (const e of emails) await createUser(t.pool, { email: e });
    await smtp.stop();
    for (const e of emails) await forgot(e);
    assert.equal(await drain(send), 0);
    // The first is tried and put off; the sender stops there (a server that does not answer would
    // only make the next ones wait for the same timeout) and tries again at its next tick.
    const [waiting] = await t.pool.execute<RowDataPacket[]>("SELECT attempts, last_error, next_attempt_at > NOW(3) AS later FROM account_outbox WHERE status = 'pending' ORDER BY id");
    assert.deepEqual(waiting.map((r) => [Number(r.attempts), Number(r.later), r.last_error === null]), [[1, 1, false], [0, 0, true], [0, 0, true]]);
    assert.match((await t.agent().get('/healthz')).text, /"mail":"ok"/, 'a few seconds of backlog is fine');
    await smtp.start();
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await drain(send), 3);
    for (const e of emails) assert.equal(smtp.to(e).length, 1);
    assert.equal(await drain(send), 0);
  });

  test('a temporary failure (451) is retried; a permanent one (550) is given up and logged', async () => {
    const [retried, refused] = [await createUser(t.pool), await createUser(t.pool)];
    smtp.failNext(1, 451);
    await forgot(retried.email);
    assert.equal(await drain(send), 0);
    await new Promise((r) => setTimeout(r, 1100));
    assert.equal(await drain(send), 1);
    assert.equal(smtp.to(retried.email).length, 1);

    smtp.failNext(1, 550);
    await forgot(refused.email);
    assert.equal(await drain(send), 0);
    const [rows] = await t.pool.execute<RowDataPacket[]>("SELECT status, data FROM account_outbox WHERE recipient = ?", [refused.email]);
    assert.deepEqual(rows.map((r) => [r.status as unknown, r.data as unknown]), [['failed', null]]);
    assert.match(t.logs.join(''), /e-mail given up/);
  });

  test('a link sealed under another SESSION_SECRET is given up at once, not retried', async () => {
    const user = await createUser(t.pool);
    await enqueueMail(t.pool, 'account_outbox', { event: 'test', subject: 2, to: { email: user.email, lang: 'en' }, template: 'reset_password', data: { name: 'X', token: linkSealer('another-secret-of-at-least-32-characters!').seal('t') } });
    assert.equal(await drain(send), 0);
    const [rows] = await t.pool.execute<RowDataPacket[]>('SELECT status, attempts FROM account_outbox WHERE recipient = ?', [user.email]);
    assert.deepEqual(rows.map((r) => [r.status as unknown, Number(r.attempts)]), [['failed', 1]]);
    assert.equal(smtp.to(user.email).length, 0);
  });

  test('two senders on one outbox: no duplicate', async () => {
    const emails = Array.from({ length: 30 }, () => uniqueEmail('race'));
    for (const e of emails) await createUser(t.pool, { email: e });
    for (const e of emails) await forgot(e);
    const other = senders(t);
    try {
      const counts = await Promise.all([send, other, send, other, send, other].map((x) => sendDueMail(x.account)));
      assert.equal(counts.reduce((a, b) => a + b, 0), 30);
    } finally {
      other.close();
    }
    for (const e of emails) assert.equal(smtp.to(e).length, 1, e);
  });

  test('/healthz says when e-mail waits over 15 minutes', async () => {
    const user = await createUser(t.pool);
    await smtp.stop();
    await forgot(user.email);
    await t.pool.execute("UPDATE account_outbox SET created_at = NOW(3) - INTERVAL 16 MINUTE WHERE status = 'pending'");
    const health = await t.agent().get('/healthz');
    assert.equal(health.status, 200);
    assert.deepEqual(health.body, { db: 'ok', mail: 'backlog' });
    await smtp.start();
    await t.pool.execute("UPDATE account_outbox SET next_attempt_at = NOW(3) WHERE status = 'pending'");
    await drain(send);
    assert.deepEqual((await t.agent().get('/healthz')).body, { db: 'ok', mail: 'ok' });
  });

  test('rows sent or given up over 30 days ago are forgotten; waiting ones stay', async () => {
    await enqueueMail(t.pool, 'account_outbox', { event: 'test', subject: 1, to: { email: uniqueEmail('waiting'), lang: 'en' }, template: 'verify_email', data: {} });
    await t.pool.execute('UPDATE account_outbox SET created_at = NOW(3) - INTERVAL 31 DAY');
    assert.ok((await purgeOld(t.pool, 'account_outbox')) > 0);
    const [left] = await t.pool.execute<RowDataPacket[]>('SELECT status, COUNT(*) AS n FROM account_outbox GROUP BY status');
    assert.deepEqual(left.map((r) => [r.status as unknown, Number(r.n)]), [['pending', 1]]);
    await t.pool.execute("DELETE FROM account_outbox WHERE status = 'pending'");
  });
});
