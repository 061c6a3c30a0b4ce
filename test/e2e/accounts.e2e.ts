import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { chromiumMissing, SIZES, startSite, Tab, type Site, type SizeName } from './harness.js';
import { uniqueEmail } from '../helpers/users.js';

const missing = chromiumMissing();
if (missing && process.env.CI === 'true') throw new Error(missing);

let site: Site;
before(async () => {
  if (!missing) site = await startSite();
});
after(async () => {
  if (site) await site.close();
});

for (const size of Object.keys(SIZES) as SizeName[]) {
  describe(`accounts in Chromium (${size})`, { skip: missing ?? false }, () => {
    test('form errors appear next to their fields and are announced; then sign up, log out, log in by keyboard', async () => {
      const tab = await Tab.open(site, size);
      const { page } = tab;
      try {
        await tab.goto('/');
        await tab.check('home');

        await tab.goto('/register');
        await page.getByLabel('Your name').fill('Sofia Seller');
        await page.getByLabel('Email').fill('not-an-email');
        await page.getByLabel('Password', { exact: true }).fill('short');
        await page.getByLabel('Repeat the password').fill('different');
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.waitForURL('**/register');
        const summary = page.locator('[data-error-summary]');
        await summary.waitFor();
        assert.equal(await summary.getAttribute('role'), 'alert');
        assert.ok(await summary.evaluate((el) => el === document.activeElement), 'focus moves to the error summary');
        const emailError = page.locator('#email-error');
        assert.match(await emailError.innerText(), /valid email address/);
        assert.equal(await page.getByLabel('Email').getAttribute('aria-describedby'), 'email-error');
        assert.match(await page.locator('#password-error').innerText(), /at least 12 characters/);
        assert.equal(await page.getByLabel('Your name').inputValue(), 'Sofia Seller', 'typed values are kept');
        await tab.check('register-errors');

        const email = uniqueEmail('sofia');
        await page.getByLabel('Email').fill(email);
        await page.getByLabel('Password', { exact: true }).fill('my shelves are far too full');
        await page.getByLabel('Repeat the password').fill('my shelves are far too full');
        await page.getByRole('button', { name: 'Create account' }).click();
        await page.waitForURL((url) => !url.pathname.startsWith('/register'));
        await tab.goto('/account');
        assert.match(await page.locator('main').innerText(), /Sofia Seller/);
        await tab.check('account');

        await page.getByRole('button', { name: 'Log out' }).click();
        await page.waitForURL('**/login?logged_out=1');
        assert.match(await page.locator('main').innerText(), /You have been logged out/);
        await tab.check('login');

        // Keyboard only: Tab into the fields, type, Enter.
        await page.getByLabel('Email').focus();
        await page.keyboard.type(email);
        await page.keyboard.press('Tab');
        await page.keyboard.type('my shelves are far too full');
        await page.keyboard.press('Enter');
        await page.waitForURL((url) => !url.pathname.startsWith('/login'));
        await tab.goto('/account');
        assert.match(await page.locator('main').innerText(), new RegExp(email.replace(/\./g, '\\.')));

        assert.deepEqual(tab.problems, []);
      } finally {
        await tab.close();
      }
    });
  });
}
