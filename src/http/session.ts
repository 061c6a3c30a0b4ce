// Sessions: a signed cookie naming a row of the sessions table (accounts' table, reached through a
// SessionTable), so every instance and every service behind the balancer shares them.
//
// Our own, not express-session: that one stores a handful of new closures on every request and
// response (its writeHead and end hooks, the session's wrapped save and reload), and under load
// those kept V8's old generation growing by about 16 MB/s (BENCHMARKS.md, memory). Here the hooks
// are two functions shared by every response, and the session's methods live on its prototype.
// The cookie format (`s:<id>.<HMAC-SHA256>`, URL-encoded) and the rows are express-session's, so
// sessions made before the change stay valid.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';

/** The sessions table, as its owner (accounts) lets the middleware use it. */
export interface SessionTable {
  /** The row: its data (JSON), idle deadline (Unix seconds) and, when read along, its user. */
  find(id: string): Promise<{ data: string; expires: number; user?: unknown } | null>;
  save(id: string, data: string, expires: number): Promise<void>;
  remove(id: string): Promise<void>;
  removeExpired(now: number): Promise<number>;
}

export interface FlashMessage {
  type: 'success' | 'error' | 'info';
  text: string;
  params?: Record<string, string | number>;
}

/** Everything a session keeps; nothing else is saved. */
interface SessionData {
  /** When the user logged in: the absolute limit counts from here. */
  startedAt?: number;
  /** Messages for the next page (post/redirect/get). */
  flash?: FlashMessage[];
  /** The form token (csrf-sync's synchroniser token). */
  csrfToken?: string | null;
  /** passport's: whom the session is logged in as. */
  passport?: { user?: unknown };
}

const STATE = Symbol('session state');

/** One request's view of its session: what the row held, and what the answer's cookie says. */
interface State {
  sessions: Sessions;
  req: Request;
  session: Session;
  id: string;
  /** The data as the row holds it (JSON); undefined while there is no row. */
  savedData?: string;
  /** The row's idle deadline (ms). */
  savedDeadline: number;
  /** Set once the answer's end or headers decided whether this request saves. */
  decided: boolean;
  /** The deadline the answer's cookie carries (the row's after a save). */
  cookieDeadline?: number;
  cookieSent: boolean;
  /** Destroyed, or replaced by regenerate: nothing more is saved for it. */
  ended: boolean;
}

/** What the middleware of one app was configured with. */
interface Sessions {
  table: SessionTable;
  logger: Logger;
  cookieName: string;
  secret: string;
  /** Production: the cookie is Secure and sent only over HTTPS (through the trusted proxy). */
  alwaysSecure: boolean;
  idleMs: number;
  throttleMs: number;
}

/** `req.session`: the data as plain properties (passport and csrf-sync use them so), and its operations. */
export class Session implements SessionData {
  declare startedAt?: number;
  declare flash?: FlashMessage[];
  declare csrfToken?: string | null;
  declare passport?: { user?: unknown };
  declare [STATE]: State;

  get id(): string {
    return this[STATE].id;
  }

  /** Writes the session now (passport saves the login before redirecting); the cookie follows with the answer. */
  save(callback?: (err?: unknown) => void): void {
    const state = this[STATE];
    write(state, Date.now() + state.sessions.idleMs).then(() => callback?.(), (err: unknown) => callback?.(err));
  }

  /** A new, empty session under a new id replaces this one, whose row is deleted (login: no fixation). */
  regenerate(callback: (err?: unknown) => void): void {
    const state = this[STATE];
    state.ended = true;
    state.req.session = newSession(state.sessions, state.req, randomId());
    const removed = state.savedData === undefined ? Promise.resolve() : state.sessions.table.remove(state.id);
    removed.then(() => callback(), callback);
  }

  /** Ends the session: its row is deleted and the browser told to forget the cookie (logout). */
  destroy(callback?: (err?: unknown) => void): void {
    const state = this[STATE];
    state.ended = true;
    state.req.session = undefined;
    const res = state.req.res;
    if (res && !res.headersSent && cookieAllowed(state.sessions, state.req)) {
      res.append('Set-Cookie', `${state.sessions.cookieName}=; Path=/; Expires=Thu, 01 Jan 1970 00:00:00 GMT; HttpOnly${secureAttribute(state.sessions, state.req)}; SameSite=Lax`);
    }
    state.sessions.table.remove(state.id).then(() => callback?.(), (err: unknown) => callback?.(err));
  }
}

export function sessionCookieName(config: Config): string {
  // __Host- binds the cookie to this exact origin over HTTPS; browsers refuse it on plain HTTP,
  // so it is used where the app always sits behind the TLS proxy.
  return config.isProduction ? '__Host-bookstore.sid' : 'bookstore.sid';
}

/**
 * Session work only where a session can exist: a request that carries a validly signed session
 * cookie, or an unsafe method (its CSRF check needs one). An anonymous GET skips it entirely (no
 * read, no hooks on the response) and `req.session` stays undefined; a page that then needs one
 * (a form's CSRF token) starts it with `startSession`, synchronously: the cookie goes with the
 * answer once the session holds something.
 *
 * The idle deadline rolls with every request, but the row is written again only once it moved by
 * a tenth of the idle time (at most a minute), or when the data changed: one UPDATE fewer for
 * nearly every logged-in page, at the price of a session ending up to that much early. Each write
 * sends the cookie again with the row's deadline, so the browser's expiry and the row's agree.
 */
export function sessionMiddleware(config: Config, table: SessionTable, logger: Logger): { middleware: RequestHandler; close(): void } {
  const sessions: Sessions = {
    table,
    logger,
    cookieName: sessionCookieName(config),
    secret: config.sessionSecret,
    alwaysSecure: config.isProduction,
    idleMs: config.sessionIdleMs,
    throttleMs: Math.min(60_000, Math.floor(config.sessionIdleMs / 10)),
  };
  // One function for every request, reading the request from `this` (ensureSession calls it as
  // `req.startSession()`): a new closure holding the request, stored on the request, made V8's old
  // generation grow by megabytes a second under load (BENCHMARKS.md, memory).
  function startSession(this: Request): void {
    if (!this.session && this.res) begin(sessions, this, this.res, newSession(sessions, this, randomId()));
  }
  const middleware: RequestHandler = async (req, res, next) => {
    const id = sessionIdFrom(req.headers.cookie, sessions);
    if (id === undefined && (req.method === 'GET' || req.method === 'HEAD')) {
      req.startSession = startSession;
      return next();
    }
    req.startSession = noop;
    const row = id === undefined ? null : await table.find(id);
    let session: Session;
    if (row && row.expires * 1000 >= Date.now()) {
      session = newSession(sessions, req, id!);
      loadInto(session, row.data, row.expires * 1000);
      if ('user' in row) req.sessionUserRow = row.user;
    } else {
      session = newSession(sessions, req, randomId()); // none, expired or deleted: a fresh one
    }
    begin(sessions, req, res, session);
    next();
  };
  // Expired rows can no longer be used; they are swept now and then (every instance may do it).
  const sweep = setInterval(() => {
    table.removeExpired(Math.floor(Date.now() / 1000)).catch((err: unknown) => logger.warn({ err }, 'could not remove expired sessions'));
  }, 15 * 60_000);
  sweep.unref();
  return { middleware, close: () => clearInterval(sweep) };
}

/** Runs `handler` only for requests that have a session (passport's session strategy needs one). */
export function withSession(handler: RequestHandler): RequestHandler {
  return (req, res, next) => (req.session ? handler(req, res, next) : next());
}

/** The request's session, started now if this anonymous read had none (see sessionMiddleware). */
export function ensureSession(req: Request, _res?: Response): Session {
  if (!req.session) req.startSession?.();
  if (!req.session) throw new Error('session support is not mounted for this request');
  return req.session;
}

/** Ends sessions older than the absolute limit, however active they have been. */
export function absoluteTimeout(config: Config): RequestHandler {
  return (req, _res, next) => {
    const started = req.session?.startedAt;
    if (req.session && started !== undefined && Date.now() - started > config.sessionMaxMs) {
      // A fresh, empty session replaces it: the old row is deleted and the user is anonymous.
      req.session.regenerate((err) => next(err));
      return;
    }
    next();
  };
}

function noop(): void {}

function randomId(): string {
  return randomBytes(24).toString('base64url');
}

function newSession(sessions: Sessions, req: Request, id: string): Session {
  const session = new Session();
  session[STATE] = { sessions, req, session, id, savedDeadline: 0, decided: false, cookieSent: false, ended: false };
  return session;
}

/** Copies the known members of a row's data into the session (a row may hold more: express-session's cookie). */
function loadInto(session: Session, json: string, deadline: number): void {
  const data = JSON.parse(json) as SessionData;
  session.startedAt = data.startedAt;
  session.flash = data.flash;
  session.csrfToken = data.csrfToken;
  session.passport = data.passport;
  const state = session[STATE];
  state.savedData = dataOf(session);
  state.savedDeadline = deadline;
}

/** The session's data as saved and compared: fixed members in a fixed order. */
function dataOf(session: Session): string {
  return JSON.stringify({ startedAt: session.startedAt, flash: session.flash, csrfToken: session.csrfToken, passport: session.passport });
}

const EMPTY = '{}';

/** The deadline to save now, if this request must write the row; undefined if it need not. */
function dueDeadline(state: State): number | undefined {
  const data = dataOf(state.session);
  const deadline = Date.now() + state.sessions.idleMs;
  if (state.savedData === undefined) return data === EMPTY ? undefined : deadline; // nothing to keep yet
  if (data !== state.savedData || deadline - state.savedDeadline >= state.sessions.throttleMs) return deadline;
  return undefined;
}

async function write(state: State, deadline: number): Promise<void> {
  const data = dataOf(state.session);
  // The cookie's expiry is kept in the row as express-session kept it.
  const row = JSON.stringify({ cookie: { expires: new Date(deadline).toISOString() }, ...(JSON.parse(data) as SessionData) });
  await state.sessions.table.save(state.id, row, Math.floor(deadline / 1000));
  state.savedData = data;
  state.savedDeadline = deadline;
  if (!state.cookieSent) state.cookieDeadline = deadline;
}

// ---- the answer: save before it ends, send the cookie with its headers ----

const PREVIOUS_END = Symbol('end before the session hook');
const PREVIOUS_WRITE_HEAD = Symbol('writeHead before the session hook');

interface Hooked extends Response {
  [PREVIOUS_END]?: Response['end'];
  [PREVIOUS_WRITE_HEAD]?: Response['writeHead'];
}

function begin(sessions: Sessions, req: Request, res: Response, session: Session): void {
  req.session = session;
  const hooked = res as Hooked;
  if (hooked[PREVIOUS_END]) return; // hooked already (the session was replaced)
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called back with this response as `this`
  hooked[PREVIOUS_END] = res.end;
  // eslint-disable-next-line @typescript-eslint/unbound-method -- likewise
  hooked[PREVIOUS_WRITE_HEAD] = res.writeHead;
  // Shared functions, not closures: see startSession.
  res.end = endAfterSave as Response['end'];
  res.writeHead = writeHeadWithCookie as Response['writeHead'];
}

/**
 * Saves the session before the answer ends, so the next request (the redirect after a form)
 * finds it written. A failed save is logged and the answer still goes out, without the cookie.
 */
function endAfterSave(this: Hooked, ...args: unknown[]): Response {
  const end = this[PREVIOUS_END]! as (...a: unknown[]) => Response;
  this.end = end as Response['end'];
  const state = this.req.session?.[STATE];
  if (!state || state.ended) return end.apply(this, args);
  const deadline = state.cookieSent ? pendingAfterHeaders(state) : dueDeadline(state);
  state.decided = true;
  if (deadline === undefined) return end.apply(this, args);
  write(state, deadline).then(
    () => end.apply(this, args),
    (err: unknown) => {
      state.sessions.logger.error({ err }, 'could not save the session');
      state.cookieDeadline = undefined;
      end.apply(this, args);
    },
  );
  return this;
}

/** Headers went out before the end (a streamed answer): the row gets the deadline the cookie carried. */
function pendingAfterHeaders(state: State): number | undefined {
  return state.cookieDeadline !== state.savedDeadline || dataOf(state.session) !== state.savedData ? state.cookieDeadline : undefined;
}

function writeHeadWithCookie(this: Hooked, ...args: unknown[]): Response {
  const writeHead = this[PREVIOUS_WRITE_HEAD]! as (...a: unknown[]) => Response;
  this.writeHead = writeHead as Response['writeHead'];
  const state = this.req.session?.[STATE];
  if (state && !state.ended && !state.cookieSent) {
    if (!state.decided) {
      state.cookieDeadline = dueDeadline(state);
      state.decided = true;
    }
    if (state.cookieDeadline !== undefined && cookieAllowed(state.sessions, this.req)) {
      const value = encodeURIComponent(`s:${sign(state.id, state.sessions.secret)}`);
      const expires = new Date(state.cookieDeadline).toUTCString();
      this.append('Set-Cookie', `${state.sessions.cookieName}=${value}; Path=/; Expires=${expires}; HttpOnly${secureAttribute(state.sessions, this.req)}; SameSite=Lax`);
      state.cookieSent = true;
    }
  }
  return writeHead.apply(this, args);
}

// ---- the cookie ----

/** In production the cookie is Secure, and over plain HTTP none is set at all (as express-session did). */
function cookieAllowed(sessions: Sessions, req: Request): boolean {
  return !sessions.alwaysSecure || req.secure;
}

function secureAttribute(sessions: Sessions, req: Request): string {
  return sessions.alwaysSecure || req.secure ? '; Secure' : '';
}

/** express-session's (cookie-signature's) format: `<id>.<HMAC-SHA256 in base64, no padding>`. */
function sign(id: string, secret: string): string {
  return `${id}.${createHmac('sha256', secret).update(id).digest('base64').replace(/=+$/, '')}`;
}

/** The session id of a validly signed session cookie in the header, if there is one. */
function sessionIdFrom(header: string | undefined, sessions: Sessions): string | undefined {
  const raw = header ? cookieValue(header, sessions.cookieName) : undefined;
  if (!raw) return undefined;
  let value: string;
  try {
    value = raw.includes('%') ? decodeURIComponent(raw) : raw;
  } catch {
    return undefined; // malformed encoding: no session
  }
  if (!value.startsWith('s:')) return undefined;
  const dot = value.lastIndexOf('.');
  if (dot < 3) return undefined;
  const id = value.slice(2, dot);
  const expected = Buffer.from(sign(id, sessions.secret));
  const given = Buffer.from(value.slice(2));
  return given.length === expected.length && timingSafeEqual(given, expected) ? id : undefined;
}

/** The first cookie of that name in a Cookie header (quotes removed), as the cookie module parses it. */
function cookieValue(header: string, name: string): string | undefined {
  let start = 0;
  while (start < header.length) {
    let end = header.indexOf(';', start);
    if (end === -1) end = header.length;
    const eq = header.indexOf('=', start);
    if (eq !== -1 && eq < end && header.slice(start, eq).trim() === name) {
      const value = header.slice(eq + 1, end).trim();
      return value.length > 1 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
    }
    start = end + 1;
  }
  return undefined;
}

declare module 'http' {
  interface IncomingMessage {
    /** Starts a session for an anonymous read that skipped it (see sessionMiddleware). */
    startSession?: () => void;
    /**
     * The user row read with this request's session (SessionTable.find), null for none: the
     * session's owner checks it is still valid instead of reading it again. Undefined when not
     * read that way.
     */
    sessionUserRow?: unknown;
  }
}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** The request's session: undefined for an anonymous read that has not started one. */
      session?: Session;
    }
  }
}
