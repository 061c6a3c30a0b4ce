// E-mail journeys in Chromium (issue 26): the verification link and the password-reset link are
// opened from the real messages a real SMTP server received; every page is checked with axe.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, startSite, Tab, type Site } from './harness.js';
import { drain, linkIn, senders, startSmtp, type TestSmtp } from '../helpers/smtp.js';
import { uniqueEmail } from '../helpers/users.js';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(missing);

const PUBLIC = 'https://shop.example.test';
let site: Site;
let smtp: TestSmtp;
let send: ReturnType<typeof senders>;
before(async () => {
  if (missing) return;
  smtp = await startSmtp();
  site = await startSite({ SMTP_URL: smtp.url, PUBLIC_URL: PUBLIC });
  send = senders(site.t);
});
after(async () => {
  send?.close();
  if (site) await site.close();
  await smtp?.stop();
});

/** The path of the message's link: PUBLIC_URL is the shop's public address, the test's site runs on a port of its own. */
const pathIn = (mail: Parameters<typeof linkIn>[0], prefix: string) => linkIn(mail, `${PUBLIC}${prefix}`).slice(PUBLIC.length);

describe('e-mail journeys in Chromium', { skip: missing ?? false }, () => {
  test('sign up, verify the address from the e-mail, forget the password and choose a new one from the e-mail', async () => {
    const tab = await Tab.open(site, 'desktop');
    const { page } = tab;
    const email = uniqueEmail('chromium');
    try {
      await tab.goto('/register');
      await page.getByLabel('Your name').fill('Vera Verified');
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password', { exact: true }).fill('a long and quiet river');
      await page.getByLabel('Repeat the password').fill('a long and quiet river');
      await page.getByRole('button', { name: 'Create account' }).click();
      await page.waitForURL('**/book/catalog');

      await tab.goto('/book/add_book');
      assert.match(await page.locator('h1').innerText(), /Verify your e-mail address first/);
      await tab.check('email-verify-first');

      await drain(send);
      const [welcome] = smtp.to(email);
      assert.equal(welcome!.subject, 'Confirm your e-mail address');
      await tab.goto(pathIn(welcome!, '/verify-email/'));
      await tab.check('email-verify');
      await page.getByRole('button', { name: 'Confirm my address' }).click();
      await page.waitForURL('**/account');
      assert.match(await page.locator('#email').locator('xpath=following-sibling::p[1]').innerText(), /Verified/);
      await tab.check('email-account-verified');

      await page.getByRole('button', { name: 'Log out' }).click();
      await page.waitForURL('**/login?logged_out=1');
      await page.getByRole('link', { name: 'Forgot your password?' }).click();
      await page.waitForURL('**/forgot-password');
      await page.getByLabel('Email').fill(email);
      await page.getByRole('button', { name: 'Send me a link' }).click();
      await page.getByText('If an account uses this address').waitFor();
      await tab.check('email-forgot-sent');

      for (let i = 0; i < 50 && smtp.to(email).length < 2; i++) {
        await drain(send);
        await new Promise((r) => setTimeout(r, 50));
      }
      const reset = smtp.to(email)[1]!;
      assert.equal(reset.subject, 'Reset your BookStore password');
      const resetPath = pathIn(reset, '/reset-password/');
      await tab.goto(resetPath);
      await tab.check('email-reset-form');
      await page.getByLabel('New password', { exact: true }).fill('another quiet river');
      await page.getByLabel('Repeat the new password').fill('another quiet river');
      await page.getByRole('button', { name: 'Save the new password' }).click();
      await page.waitForURL('**/login?password_reset=1');
      assert.match(await page.locator('[role=status]').innerText(), /Your password has been changed/);

      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password', { exact: true }).fill('another quiet river');
      await page.getByRole('button', { name: 'Log in' }).click();
      await page.waitForURL('**/book/catalog');

      await tab.goto(resetPath);
      assert.match(await page.locator('h1').innerText(), /This link no longer works/);
      await tab.check('email-link-used');
      assert.deepEqual(tab.problems, []);
    } finally {
      await tab.close();
    }
  });
});
