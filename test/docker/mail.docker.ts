// The README's `mail` profile for real: `SMTP_URL=smtp://mail:1025 docker compose --profile mail up
// --build` (COMPOSE_PROFILES=mail is the same for compose v1), a scratch project on free ports. A new
// account may not list a book until it opens the link of its verification e-mail; that e-mail is read
// from MailDev's own REST API (`/api/email`, what its web page at `/index.html` shows), and its link, opened over HTTPS through nginx,
// lets the account sell. `down -v` at the end.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { freePort, sleep } from '../deploy/lib.js';
import { csrfFrom, PASSWORD } from '../helpers/users.js';
import { ComposeProject, engineMissing } from './lib.js';
import { client } from './shop.js';

const skip = engineMissing();

interface CaughtMail {
  to: { address: string }[];
  subject: string;
  text: string;
}

describe('docker-compose.yml with the mail profile', { skip, timeout: 20 * 60_000 }, () => {
  let project: ComposeProject;
  let base = '';
  let mailWeb = '';

  before(async () => {
    const [http, https, web] = [await freePort(), await freePort(), await freePort()];
    base = `https://127.0.0.1:${https}`;
    mailWeb = `http://127.0.0.1:${web}`;
    project = new ComposeProject('docker-compose.yml', {
      HTTP_PORT: String(http),
      HTTPS_PORT: String(https),
      MAIL_WEB_PORT: String(web),
      COMPOSE_PROFILES: 'mail',
      SMTP_URL: 'smtp://mail:1025',
      PUBLIC_URL: base,
    });
    await project.up();
  });
  after(async () => {
    await project?.down();
    if (project) assert.equal(await project.leftovers(), '', 'down -v leaves no container or volume');
  });

  test('a new account verifies its address from the e-mail MailDev caught, then may list a book', async () => {
    const shopper = client(base);
    for (const until = Date.now() + 180_000; ; await sleep(1000)) {
      const ping = await shopper.get('/ping').catch(() => undefined);
      if (ping?.status === 200) break;
      assert.ok(Date.now() < until, `https://…/ping through nginx: ${ping?.status ?? 'no answer'}`);
    }
    const email = `mail-${randomBytes(4).toString('hex')}@example.com`;
    const form = await shopper.get('/register');
    const registered = await shopper.post('/register').type('form').send({ _csrf: csrfFrom(form.text), name: 'Mara', email, password: PASSWORD, password_confirm: PASSWORD });
    assert.equal(registered.status, 302, registered.text.slice(0, 300));

    const gated = await shopper.get('/book/add_book');
    assert.equal(gated.status, 403, 'SMTP_URL set: EMAIL_VERIFICATION is required, so an unverified account may not sell');
    assert.match(gated.text, /Verify your e-mail address first/);

    // MailDev starts with `npx maildev`, and the outbox retries until it answers.
    let mail: CaughtMail | undefined;
    for (const until = Date.now() + 300_000; !mail; await sleep(2000)) {
      const caught = await fetch(`${mailWeb}/api/email`).then((r) => (r.ok ? (r.json() as Promise<CaughtMail[]>) : []), () => []);
      mail = caught.find((m) => m.to.some((t) => t.address === email));
      if (!mail && Date.now() > until) {
        console.log(await project.logs());
        assert.fail(`no e-mail to ${email} at MailDev after 5 minutes (caught ${caught.length})`);
      }
    }
    assert.doesNotMatch(mail.subject, /verify-email\//, 'no link in the subject');
    const link = new RegExp(`${base.replace(/[.]/g, '\\.')}(/verify-email/[A-Za-z0-9_-]+)`).exec(mail.text)?.[1];
    assert.ok(link, `a link from PUBLIC_URL in the text: ${mail.text.slice(0, 400)}`);

    assert.equal((await fetch(`${mailWeb}/index.html`)).status, 200, "MailDev's web page, where a person reads it");

    const confirm = await shopper.get(link);
    assert.equal(confirm.status, 200);
    const verified = await shopper.post(link).type('form').send({ _csrf: csrfFrom(confirm.text) });
    assert.equal(verified.status, 302, verified.text.slice(0, 300));

    const selling = await shopper.get('/book/add_book');
    assert.equal(selling.status, 200);
    assert.match(selling.text, /name="title"/, 'the listing form');
  });
});
