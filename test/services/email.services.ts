// E-mail in the split shop (issue 26): auth sends its outbox (verification, password reset) and
// order its own (purchases), each with its own sender job, to a real SMTP server; links are built
// from PUBLIC_URL with the Ingress's prefixes, and opened from the real messages through nginx.
import { client } from '../helpers/cookie-client.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { csrfFrom, PASSWORD, uniqueEmail } from '../helpers/users.js';
import { linkIn, startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { freePort, startTopology, type Topology } from './topology.js';

process.env.NODE_TLS_REJECT_UNAUTHORIZED = '0'; // nginx's certificate is self-signed, as in the local stack

let t: Topology;
let smtp: TestSmtp;
let base = '';

before(async () => {
  smtp = await startSmtp();
  const nginxPort = await freePort();
  base = `https://127.0.0.1:${nginxPort}`;
  // Auth's answer about an account is not cached here, so a verification shows on catalog at once.
  t = await startTopology({ nginxPort, env: { SMTP_URL: smtp.url, PUBLIC_URL: base, ACCOUNT_CHECK_CACHE_MS: '0' } });
});
after(async () => {
  await t?.close();
  await smtp?.stop();
});

/** A browser-like client that keeps its cookies (the __Host- one included) on the one host. */
function agent() {
  return client(base);
}
type Agent = ReturnType<typeof agent>;

const csrf = async (a: Agent, path: string) => csrfFrom((await a.get(path)).text);

async function waitForMail(email: string, n: number) {
  const until = Date.now() + 20_000;
  while (smtp.to(email).length < n) {
    if (Date.now() > until) throw new Error(`${email}: ${smtp.to(email).length} e-mails, expected ${n}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return smtp.to(email);
}

async function register(name: string) {
  const a = agent();
  const email = uniqueEmail(name.toLowerCase());
  const res = await a.post('/auth/register').type('form').send({ _csrf: await csrf(a, '/auth/register'), name, email, password: PASSWORD, password_confirm: PASSWORD });
  assert.equal(res.status, 302, res.text.slice(0, 300));
  return { agent: a, email };
}

describe('e-mail in the split shop', () => {
  test('verification from auth: catalog refuses to list until the link from the e-mail is opened', async () => {
    const seller = await register('Ada');
    const [mail] = await waitForMail(seller.email, 1);
    assert.equal(mail!.subject, 'Confirm your e-mail address');
    const link = linkIn(mail!, `${base}/auth/verify-email/`);
    assert.equal((await seller.agent.get('/book/add_book')).status, 403, 'EMAIL_VERIFICATION is required with SMTP_URL');
    const path = link.slice(base.length);
    const page = await seller.agent.get(path);
    assert.equal(page.status, 200);
    const done = await seller.agent.post(path).type('form').send({ _csrf: csrfFrom(page.text) });
    assert.equal(done.status, 302);
    assert.equal(done.headers.location, '/auth/account');
    assert.equal((await seller.agent.get('/book/add_book')).status, 200);
  });

  test('order e-mails from order, to the address auth knows; reset through auth ends the sessions', async () => {
    const seller = await register('Ben');
    const verify = linkIn((await waitForMail(seller.email, 1))[0]!, `${base}/auth/verify-email/`).slice(base.length);
    await seller.agent.post(verify).type('form').send({ _csrf: csrfFrom((await seller.agent.get(verify)).text) });
    const listed = await seller.agent
      .post('/book/add_book')
      .field('_csrf', await csrf(seller.agent, '/book/add_book'))
      .field({ title: `Kindred ${randomUUID().slice(0, 6)}`, author: 'Octavia E. Butler', isbn: '', description: 'A used copy.', condition: 'good', price: '12.50', stock: '3' });
    assert.equal(listed.status, 302, listed.text.slice(0, 300));
    const bookId = Number(/^\/book\/(\d+)$/.exec(listed.headers.location ?? '')?.[1]);

    const buyer = await register('Cleo');
    const page = await buyer.agent.get(`/book/${bookId}`);
    const token = /name="checkout_token" value="([^"]+)"/.exec(page.text)?.[1] ?? randomUUID();
    const bought = await buyer.agent.post(`/order/buy/${bookId}`).type('form').send({ _csrf: csrfFrom(page.text), quantity: '1', checkout_token: token });
    assert.equal(bought.status, 302, bought.text.slice(0, 300));
    const purchaseId = Number(/(\d+)$/.exec(bought.headers.location ?? '')?.[1]);
    const mails = await waitForMail(buyer.email, 2); // verification, then the purchase
    const placed = mails.find((m) => m.subject === `Purchase #${purchaseId}: waiting for payment`);
    assert.ok(placed, mails.map((m) => m.subject).join(' | '));
    assert.ok(placed.text.includes(`${base}/order/purchases/${purchaseId}`));

    // Password reset through auth: the link from the e-mail, then every session has ended.
    const other = agent();
    const forgot = await other.post('/auth/forgot-password').type('form').send({ _csrf: await csrf(other, '/auth/forgot-password'), email: buyer.email });
    assert.equal(forgot.status, 200);
    const reset = (await waitForMail(buyer.email, 3)).find((m) => m.subject === 'Restablece tu contraseña de BookStore' || m.subject === 'Reset your BookStore password');
    assert.ok(reset);
    const path = linkIn(reset, `${base}/auth/reset-password/`).slice(base.length);
    const form = await other.get(path);
    assert.equal(form.status, 200);
    const done = await other.post(path).type('form').send({ _csrf: csrfFrom(form.text), password: 'a brand new passphrase', password_confirm: 'a brand new passphrase' });
    assert.equal(done.status, 302);
    assert.equal(done.headers.location, '/auth/login?password_reset=1');
    assert.equal((await buyer.agent.get('/order/cart')).status, 302, 'the old session ended on order too');
    const again = agent();
    const login = await again.post('/auth/login').type('form').send({ _csrf: await csrf(again, '/auth/login'), email: buyer.email, password: 'a brand new passphrase' });
    assert.equal(login.status, 302);
    for (const m of smtp.received) assert.equal(smtp.received.filter((x) => x.messageId === m.messageId).length, 1, 'each e-mail once');
  });
});
