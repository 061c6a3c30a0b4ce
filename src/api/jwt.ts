// Bearer tokens for the JSON API: the signature, issuer, audience and expiry always checked, then
// the account's current state asked of accounts (its port), never taken from the token. The token
// carries only who it is for and the account's session version, so a password change or a disabled
// account ends API access as it ends web sessions, and a changed role applies to the next call.
// How fresh that answer is depends on the port: in-process (the monolith, auth) every call reads the
// account; over HTTP (catalog, order) auth's answer is kept ACCOUNT_CHECK_CACHE_MS (3 s by default),
// so a token is refused at most that long after the change.
import type { RequestHandler, Router } from 'express';
import { SignJWT, jwtVerify } from 'jose';
import type { Config } from '../config.js';
import type { AccountsPort, SessionAccount } from '../accounts/accounts.port.js';
import { Unauthorized } from '../http/errors.js';

export const JWT_ISSUER = 'bookstore';
export const JWT_AUDIENCE = 'bookstore-api';
export const TOKEN_TTL_SECONDS = 3600;

/** The account behind a verified bearer token, as accounts knows it now. */
export type ApiUser = SessionAccount;

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /** Set by requireBearer on /api routes; the session's req.user is never used there. */
      apiUser?: ApiUser;
    }
  }
}

const keyFor = (secret: string) => new TextEncoder().encode(secret);

export async function issueToken(config: Pick<Config, 'jwtSecret'>, user: { id: number; sessionVersion: number }, now = new Date()): Promise<string> {
  const iat = Math.floor(now.getTime() / 1000);
  return new SignJWT({ sv: user.sessionVersion })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(String(user.id))
    .setIssuer(JWT_ISSUER)
    .setAudience(JWT_AUDIENCE)
    .setIssuedAt(iat)
    .setExpirationTime(iat + TOKEN_TTL_SECONDS)
    .sign(keyFor(config.jwtSecret));
}

/** How an app issues API tokens (accounts' POST /api/login), and what it publishes so others can check them. */
export interface ApiTokenIssuer {
  sign(user: ApiUser): Promise<string>;
  /** Public documents, answered before sessions (auth's JWKS); none for a shared secret. */
  assets: Router[];
}

/** The monolith's tokens: HS256 with JWT_SECRET, checked by sharedSecretClaims. */
export function sharedSecretTokens(config: Pick<Config, 'jwtSecret'>): ApiTokenIssuer {
  return { sign: (user) => issueToken(config, user), assets: [] };
}

function unauthorized(res: Parameters<RequestHandler>[1], message: string): Unauthorized {
  res.setHeader('WWW-Authenticate', 'Bearer realm="bookstore-api"');
  return new Unauthorized(message);
}

/** What a token's signature vouches for: whose it is, and the session version it was issued for. */
export interface TokenClaims {
  id: number;
  sessionVersion: number;
}

/** Checks a token's signature, issuer, audience and expiry; throws Unauthorized(INVALID_TOKEN). */
export type ClaimsVerifier = (token: string) => Promise<TokenClaims>;

/** Turns a bearer token into its account; throws Unauthorized (its message says why). */
export type TokenVerifier = (token: string) => Promise<ApiUser>;

export const INVALID_TOKEN = 'The token is invalid or has expired. Log in again with POST /api/login.';
export const REVOKED_TOKEN = 'The token is no longer valid. Log in again with POST /api/login.';

/** The monolith's tokens: HS256 with the shared secret. */
export function sharedSecretClaims(config: Pick<Config, 'jwtSecret'>): ClaimsVerifier {
  const key = keyFor(config.jwtSecret);
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: JWT_ISSUER, audience: JWT_AUDIENCE, requiredClaims: ['exp', 'sub'] });
      return claimsOf(payload);
    } catch {
      throw new Unauthorized(INVALID_TOKEN);
    }
  };
}

/** `sub` and `sv` of a verified payload; throws when either is missing or malformed. */
export function claimsOf(payload: { sub?: string; sv?: unknown }): TokenClaims {
  const id = Number(payload.sub);
  if (!Number.isSafeInteger(id) || id <= 0 || !Number.isSafeInteger(payload.sv)) throw new Error('claims');
  return { id, sessionVersion: payload.sv as number };
}

/**
 * A token is good while its signature is and its account still may use it: not disabled, session
 * version unchanged (no password change since). The role and the rest come from that answer, so a
 * demoted admin is a user at once (in-process) or within the port's cache time (over HTTP).
 */
export function currentAccount(verifyClaims: ClaimsVerifier, accounts: Pick<AccountsPort, 'sessionUser'>): TokenVerifier {
  return async (token) => {
    const { id, sessionVersion } = await verifyClaims(token);
    const user = await accounts.sessionUser(id, sessionVersion);
    if (!user) throw new Unauthorized(REVOKED_TOKEN);
    return user;
  };
}

/** A feature's API guard: the token's signature checked by `claims`, its account asked of accounts. */
export function bearerGuard(claims: ClaimsVerifier, accounts: Pick<AccountsPort, 'sessionUser'>): RequestHandler {
  return requireBearer(currentAccount(claims, accounts));
}

/** Accepts only `Authorization: Bearer <valid token>` for a live account; sets req.apiUser. */
export function requireBearer(verify: TokenVerifier): RequestHandler {
  return async (req, res, next) => {
    const match = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(req.get('authorization') ?? '');
    if (!match?.[1]) return next(unauthorized(res, 'Send a token from POST /api/login as "Authorization: Bearer <token>".'));
    try {
      req.apiUser = await verify(match[1]);
    } catch (err) {
      if (err instanceof Unauthorized) return next(unauthorized(res, err.message));
      throw err;
    }
    next();
  };
}
