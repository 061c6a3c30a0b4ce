// Pages of the e-mailed links: "Forgot your password?", the reset form, address verification, and
// on /account the change of address, a new verification link and the e-mails' language.
// The token in a link's path never reaches a log (access-log.ts writes those paths without it) nor
// another site (these pages send no Referer).
import { Router, type Request, type Response } from 'express';
import type { Pool } from '../db/pool.js';
import { Invalid } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { requireLogin } from '../http/guards.js';
import { parseInput, typedValues } from '../http/validate.js';
import { changeEmailSchema, forgotPasswordSchema, languageSchema, resetPasswordSchema } from './accounts.schema.js';
import { setLang } from './accounts.service.js';
import { renderAccount } from './addresses.routes.js';
import * as links from './email-links.service.js';
import type { LinkLimiter } from './link-limiter.js';
import type { LinkSealer } from './link-seal.js';

interface Deps {
  pool: Pool;
  limiter: LinkLimiter;
  /** Seals links' tokens in the outbox. */
  sealer: LinkSealer;
}

const tokenPage = (res: Response) => res.set('Referrer-Policy', 'no-referrer');
const token = (req: Request) => String(req.params.token);

function expired(res: Response, kind: 'reset' | 'verify' | 'taken') {
  res.status(kind === 'taken' ? 409 : 410).render('accounts/link-expired', { title: 'This link no longer works', kind });
}

export function emailLinksRoutes({ pool, limiter, sealer }: Deps): Router {
  const router = Router();

  router.get('/forgot-password', (_req, res) => {
    res.render('accounts/forgot-password', { title: 'Forgot your password?', values: {}, errors: {}, sent: false });
  });

  router.post('/forgot-password', async (req, res) => {
    const values = typedValues(req.body, ['email']);
    let email: string;
    try {
      ({ email } = parseInput(forgotPasswordSchema, req.body));
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      return res.status(422).render('accounts/forgot-password', { title: 'Forgot your password?', values, errors: err.fields, sent: false });
    }
    await limiter.consume(email, req.ip ?? 'unknown');
    // The same page, at the same time, whether or not an account has this address: the link and its
    // e-mail are written once the answer has gone (the same statements either way, but only an
    // existing account's commit writes rows, and a commit that writes waits for the disk).
    res.once('close', () => {
      links.requestPasswordReset(pool, sealer, email).catch((err: unknown) => req.log.error({ err }, 'password reset request failed'));
    });
    res.render('accounts/forgot-password', { title: 'Forgot your password?', values, errors: {}, sent: true });
  });

  router.get('/reset-password/:token', async (req, res) => {
    tokenPage(res);
    if (!(await links.linkIsLive(pool, token(req), 'reset_password'))) return expired(res, 'reset');
    res.render('accounts/reset-password', { title: 'Choose a new password', token: token(req), errors: {} });
  });

  router.post('/reset-password/:token', async (req, res) => {
    tokenPage(res);
    let password: string;
    try {
      ({ password } = parseInput(resetPasswordSchema, req.body));
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      if (!(await links.linkIsLive(pool, token(req), 'reset_password'))) return expired(res, 'reset');
      return res.status(422).render('accounts/reset-password', { title: 'Choose a new password', token: token(req), errors: err.fields });
    }
    if (!(await links.resetPassword(pool, token(req), password))) return expired(res, 'reset');
    req.log.info({ event: 'password_reset' }, 'password reset through an e-mailed link');
    res.redirect('/login?password_reset=1');
  });

  router.get('/verify-email/:token', async (req, res) => {
    tokenPage(res);
    if (!(await links.linkIsLive(pool, token(req), 'verify_email'))) return expired(res, 'verify');
    res.render('accounts/verify-email', { title: 'Confirm your e-mail address', token: token(req) });
  });

  router.post('/verify-email/:token', async (req, res) => {
    tokenPage(res);
    const outcome = await links.verifyEmail(pool, token(req));
    if (outcome === 'invalid') return expired(res, 'verify');
    if (outcome === 'taken') return expired(res, 'taken'); // another account took the address since
    req.log.info({ event: 'email_verified' }, 'e-mail address verified');
    if (!req.user) return res.redirect('/login?verified=1');
    flash(req, 'success', 'Your e-mail address is verified.');
    res.redirect('/account');
  });

  router.post('/account/verify-email', requireLogin, async (req, res) => {
    const user = req.user!;
    await limiter.consume(user.email, req.ip ?? 'unknown');
    if (await links.resendVerification(pool, sealer, user.id)) flash(req, 'success', 'We sent a new link to {email}. It works for 48 hours.', { email: user.email });
    else flash(req, 'info', 'Your e-mail address is already verified.');
    res.redirect('/account#email');
  });

  router.post('/account/email', requireLogin, async (req, res) => {
    const user = req.user!;
    try {
      const input = parseInput(changeEmailSchema, req.body);
      await limiter.consume(input.new_email, req.ip ?? 'unknown');
      await links.requestEmailChange(pool, sealer, user.id, input.email_password, input.new_email);
      req.log.info({ event: 'email_change_requested', userId: user.id }, 'e-mail change requested');
      flash(req, 'success', 'We sent a link to {email}. Your address changes when you open it.', { email: input.new_email });
      res.redirect('/account#email');
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      res.locals.emailErrors = err.fields;
      res.locals.emailValues = typedValues(req.body, ['new_email']);
      await renderAccount(pool, req, res, 422);
    }
  });

  router.post('/account/language', requireLogin, async (req, res) => {
    const parsed = languageSchema.safeParse(req.body ?? {});
    if (parsed.success) {
      await setLang(pool, req.user!.id, parsed.data.lang);
      flash(req, 'success', 'We will write to you in the language you chose.');
    }
    res.redirect('/account#email');
  });

  return router;
}
