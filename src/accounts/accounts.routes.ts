// The account pages: register, log in, log out, the account page and changing the password; the
// address book's pages are mounted from here (addresses.routes.ts).
import { Router, type Request, type Response } from 'express';
import type { Passport } from './passport.js';
import type { Pool } from '../db/pool.js';
import { Invalid } from '../http/errors.js';
import { flash } from '../http/flash.js';
import { requireLogin, unlessRead } from '../http/guards.js';
import { withSession } from '../http/session.js';
import { parseInput, typedValues } from '../http/validate.js';
import type { User } from './accounts.repo.js';
import { safeNext } from '../http/next.js';
import { changePasswordSchema, loginSchema, registerSchema } from './accounts.schema.js';
import * as accounts from './accounts.service.js';
import type { LoginLimiter } from './login-limiter.js';
import { addressesRoutes, renderAccount } from './addresses.routes.js';

const AFTER_LOGIN = '/book/catalog';

interface Deps {
  pool: Pool;
  passport: Passport;
  loginLimiter: LoginLimiter;
}

type Values = Record<string, unknown>;


/** Logs the user in on a fresh session id (passport regenerates it) and starts the absolute timer. */
function startSession(req: Request, user: User): Promise<void> {
  return new Promise((resolve, reject) => {
    req.login(user, (err) => {
      if (err) return reject(err as Error);
      req.session.startedAt = Date.now();
      resolve();
    });
  });
}

function checkCredentials(passport: Passport, req: Request, res: Response): Promise<User | null> {
  return new Promise((resolve, reject) => {
    const authenticate = passport.authenticate('local', { session: false }, (err: unknown, user: User | false) => {
      if (err) reject(err instanceof Error ? err : new Error('authentication failed'));
      else resolve(user || null);
    }) as (req: Request, res: Response, next: (err?: unknown) => void) => void;
    authenticate(req, res, reject);
  });
}

export function accountsRoutes({ pool, passport, loginLimiter }: Deps): Router {
  const router = Router();
  // req.login (passport) only where a form is posted: reads never log anyone in.
  router.use(unlessRead(withSession(passport.initialize({ compat: false }))));

  router.get('/register', (req, res) => {
    if (req.user) return res.redirect(AFTER_LOGIN);
    res.render('accounts/register', { title: 'Create an account', values: {}, errors: {} });
  });

  router.post('/register', async (req, res) => {
    const values = typedValues(req.body, ['name', 'email']);
    try {
      const input = parseInput(registerSchema, req.body);
      const user = await accounts.register(pool, input);
      req.log.info({ event: 'account_created', userId: user.id }, 'account created');
      await startSession(req, user);
      flash(req, 'success', 'Welcome to the BookStore, {name}!', { name: user.name });
      res.redirect(AFTER_LOGIN);
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      res.status(422).render('accounts/register', { title: 'Create an account', values, errors: err.fields });
    }
  });

  router.get('/login', (req, res) => {
    const next = safeNext(req.query.next);
    if (req.user) return res.redirect(next ?? AFTER_LOGIN);
    const notice = req.query.logged_out === '1' ? 'You have been logged out.' : null;
    res.render('accounts/login', { title: 'Log in', values: { next: next ?? '' }, errors: {}, notice });
  });

  router.post('/login', async (req, res) => {
    const values = { ...typedValues(req.body, ['email']), next: safeNext((req.body as Values | undefined)?.next) ?? '' };
    const renderLogin = (status: number, errors: Record<string, string>) =>
      res.status(status).render('accounts/login', { title: 'Log in', values, errors, notice: null });

    let credentials;
    try {
      credentials = parseInput(loginSchema, req.body);
    } catch (err) {
      if (err instanceof Invalid) return renderLogin(422, err.fields);
      throw err;
    }
    const user = await loginLimiter.attempt(credentials.email, req.ip ?? 'unknown', req.log, () => checkCredentials(passport, req, res));
    // One message whether the email is unknown or the password wrong.
    if (!user) return renderLogin(401, { _form: 'The email or password is not correct.' });
    await startSession(req, user);
    req.log.info({ event: 'login', userId: user.id }, 'logged in');
    flash(req, 'success', 'Welcome back, {name}.', { name: user.name });
    res.redirect(values.next || AFTER_LOGIN);
  });

  // Only POST logs out: a GET (a link, a prefetch, an <img>) must never end a session.
  router.post('/logout', (req, res, next) => {
    const cookie = req.session.cookie;
    req.session.destroy((err) => {
      if (err) return next(err);
      res.clearCookie(req.app.get('session cookie name') as string, { path: '/', httpOnly: true, sameSite: 'lax', secure: cookie.secure === true });
      res.redirect('/login?logged_out=1');
    });
  });
  router.get('/logout', (req, res) => {
    res.status(405).set('Allow', 'POST').render('errors/4xx', {
      title: 'Use the log out button',
      status: 405,
      message: 'To log out, use the "Log out" button in the menu.',
      requestId: req.id,
    });
  });

  router.get('/account', requireLogin, (req, res) => renderAccount(pool, req, res));
  router.use(addressesRoutes({ pool }));

  router.post('/account/password', requireLogin, async (req, res) => {
    const user = req.user!;
    try {
      const input = parseInput(changePasswordSchema, req.body);
      await accounts.changePassword(pool, user.id, input.current_password, input.password);
      const refreshed = await accounts.findUserById(pool, user.id);
      if (refreshed) await startSession(req, refreshed);
      req.log.info({ event: 'password_changed', userId: user.id }, 'password changed');
      flash(req, 'success', 'Your password has been changed. Other devices have been logged out.');
      res.redirect('/account');
    } catch (err) {
      if (!(err instanceof Invalid)) throw err;
      await renderAccount(pool, req, res, 422, { errors: err.fields });
    }
  });

  return router;
}
