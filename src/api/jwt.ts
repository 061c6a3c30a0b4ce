// Bearer tokens for the JSON API: HS256 only, issuer, audience and expiry always checked.
// The token carries the account's session version, so a password change or a disabled
// account ends API access exactly as it ends web sessions.
import type { RequestHandler } from 'express';
import { SignJWT, jwtVerify } from 'jose';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { userForSession } from '../accounts/accounts.service.js';
import type { User } from '../accounts/accounts.repo.js';
import { Unauthorized } from '../http/errors.js';

export const JWT_ISSUER = 'bookstore';
export const JWT_AUDIENCE = 'bookstore-api';
export const TOKEN_TTL_SECONDS = 3600;

/** The account behind a verified bearer token. */
export type ApiUser = User;

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

function unauthorized(res: Parameters<RequestHandler>[1], message: string): Unauthorized {
  res.setHeader('WWW-Authenticate', 'Bearer realm="bookstore-api"');
  return new Unauthorized(message);
}

/**
 * Turns a bearer token into its account. Throws Unauthorized (its message says why): the monolith
 * verifies HS256 and reads the account; the services verify auth's ES256 signature locally.
 */
export type TokenVerifier = (token: string) => Promise<ApiUser>;

export const INVALID_TOKEN = 'The token is invalid or has expired. Log in again with POST /api/login.';
export const REVOKED_TOKEN = 'The token is no longer valid. Log in again with POST /api/login.';

/** The monolith's tokens: HS256 with the shared secret, and the account's session version checked. */
export function sharedSecretVerifier({ config, pool }: { config: Pick<Config, 'jwtSecret'>; pool: Pool }): TokenVerifier {
  const key = keyFor(config.jwtSecret);
  return async (token) => {
    let sub: string | undefined;
    let sv: unknown;
    try {
      const { payload } = await jwtVerify(token, key, {
        algorithms: ['HS256'],
        issuer: JWT_ISSUER,
        audience: JWT_AUDIENCE,
        requiredClaims: ['exp', 'sub'],
      });
      sub = payload.sub;
      sv = payload.sv;
    } catch {
      throw new Unauthorized(INVALID_TOKEN);
    }
    const id = Number(sub);
    const user = Number.isSafeInteger(id) && typeof sv === 'number' ? await userForSession(pool, id, sv) : null;
    if (!user) throw new Unauthorized(REVOKED_TOKEN);
    return user;
  };
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
