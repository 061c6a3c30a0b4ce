// Asymmetric tokens for the split shop. Auth signs the API's bearer tokens with its private key
// (ES256) and publishes the public key (JWKS); catalog and order verify the signature locally, with
// the key mounted from the same secret, and ask auth (cached a few seconds) whether the account may
// still use it. Services calling each other send a service token signed with their own key,
// addressed (aud) to the callee, good for one call: a fresh one per request (and per retry), a
// `jti` the callee remembers until it expires, and 30 s at most from its issue time, whatever its
// `exp` says.
import { Router, type RequestHandler } from 'express';
import { createPublicKey, randomBytes } from 'node:crypto';
import { exportJWK, importPKCS8, importSPKI, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { SessionAccount } from '../accounts/accounts.port.js';
import { claimsOf, INVALID_TOKEN, JWT_AUDIENCE, TOKEN_TTL_SECONDS, type ApiTokenIssuer, type ClaimsVerifier } from '../api/jwt.js';
import { NotFound, Unauthorized } from '../http/errors.js';
import { OneTimeIds } from './one-time-ids.js';

const ALG = 'ES256';
export const AUTH_ISSUER = 'bookstore-auth';
/** A service token's whole life: it is minted for one call, so this only covers transit and clocks. */
export const SERVICE_TOKEN_TTL_SECONDS = 30;
/** How far two pods' clocks may disagree. */
const CLOCK_TOLERANCE_SECONDS = 5;
/**
 * Service tokens' ids remembered per callee: every id of the last SERVICE_TOKEN_TTL_SECONDS plus
 * tolerance up to about 1,400 calls a second; beyond that the oldest are forgotten early (about 130
 * bytes each, 6.5 MB at most).
 */
const REMEMBERED_TOKEN_IDS = 50_000;

/**
 * Auth's API tokens: whose they are and the account's session version. Nothing else rides along:
 * catalog and order ask auth for the account's current state on use (see currentAccount in
 * src/api/jwt.ts), so a disabled, demoted or re-passworded account is not trusted from its token.
 */
export async function apiTokenSigner(privateKeyPem: string): Promise<(user: SessionAccount) => Promise<string>> {
  const key = await importPKCS8(privateKeyPem, ALG);
  const kid = await keyId(privateKeyPem);
  return (user) => {
    const iat = Math.floor(Date.now() / 1000);
    return new SignJWT({ sv: user.sessionVersion })
      .setProtectedHeader({ alg: ALG, typ: 'JWT', kid })
      .setSubject(String(user.id))
      .setIssuer(AUTH_ISSUER)
      .setAudience(JWT_AUDIENCE)
      .setIssuedAt(iat)
      .setExpirationTime(iat + TOKEN_TTL_SECONDS)
      .sign(key);
  };
}

/** Auth's tokens: ES256 signed with its private key, the public half published at /.well-known/jwks.json. */
export async function publicKeyTokens(privateKeyPem: string): Promise<ApiTokenIssuer> {
  const [sign, keySet] = await Promise.all([apiTokenSigner(privateKeyPem), jwks(privateKeyPem)]);
  const published = Router().get('/.well-known/jwks.json', (_req, res) => {
    res.set('Cache-Control', 'public, max-age=300').json(keySet);
  });
  return { sign, assets: [published] };
}

/** The JWKS auth publishes at /.well-known/jwks.json (public half only). */
export async function jwks(privateKeyPem: string): Promise<{ keys: JWK[] }> {
  const publicKey = createPublicKey(privateKeyPem);
  const jwk = await exportJWK(publicKey);
  return { keys: [{ ...jwk, alg: ALG, use: 'sig', kid: await keyId(privateKeyPem) }] };
}

async function keyId(privateKeyPem: string): Promise<string> {
  const spki = createPublicKey(privateKeyPem).export({ type: 'spki', format: 'der' });
  const digest = await crypto.subtle.digest('SHA-256', spki);
  return Buffer.from(digest).subarray(0, 8).toString('hex');
}

/**
 * Catalog's and order's check of an API token's signature (ES256 only), issuer, audience and expiry,
 * locally with auth's public key. Whether the account may still use it is asked of auth next.
 */
export async function publicKeyClaims(publicKeyPem: string): Promise<ClaimsVerifier> {
  const key: CryptoKey = await importSPKI(publicKeyPem, ALG);
  return async (token) => {
    try {
      const { payload } = await jwtVerify(token, key, { algorithms: [ALG], issuer: AUTH_ISSUER, audience: JWT_AUDIENCE, requiredClaims: ['exp', 'sub', 'iat'] });
      return claimsOf(payload);
    } catch {
      throw new Unauthorized(INVALID_TOKEN);
    }
  };
}

/**
 * Service tokens this service sends: a fresh one for every request (the client's retry included,
 * since the callee refuses a token it has seen), with its own `jti`.
 */
export async function serviceTokens(self: string, privateKeyPem: string): Promise<(audience: string) => Promise<string>> {
  const key = await importPKCS8(privateKeyPem, ALG);
  return (audience) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({})
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setIssuer(self)
      .setSubject(self)
      .setAudience(audience)
      .setJti(randomBytes(16).toString('base64url'))
      .setIssuedAt(now)
      .setExpirationTime(now + SERVICE_TOKEN_TTL_SECONDS)
      .sign(key);
  };
}

/**
 * Guards /internal: a service token from a trusted caller, addressed to this service, used once, and
 * at most SERVICE_TOKEN_TTL_SECONDS from its issue time (an `exp` further out is refused, not
 * trusted). A request that came through the Ingress (it adds X-Forwarded-Prefix) is never
 * internal: 404. The replay memory is this process's: another replica of the same service would
 * accept a copied token once more, within those 30 s.
 */
export async function requireServiceToken(self: string, trusted: Record<string, string>): Promise<RequestHandler> {
  const keys = new Map<string, CryptoKey>();
  for (const [caller, pem] of Object.entries(trusted)) keys.set(caller, await importSPKI(pem, ALG));
  const used = new OneTimeIds(REMEMBERED_TOKEN_IDS);
  return async (req, res, next) => {
    if (req.get('x-forwarded-prefix')) return next(new NotFound());
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(req.get('authorization') ?? '')?.[1];
    const caller = token ? issuerOf(token) : undefined;
    const key = caller ? keys.get(caller) : undefined;
    try {
      if (!token || !key) throw new Error('no trusted caller');
      const { payload } = await jwtVerify(token, key, {
        algorithms: [ALG],
        issuer: caller,
        audience: self,
        requiredClaims: ['exp', 'iat', 'jti'],
        maxTokenAge: `${SERVICE_TOKEN_TTL_SECONDS}s`,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
      });
      const { iat, exp, jti } = payload as { iat: number; exp: number; jti: unknown };
      if (exp - iat > SERVICE_TOKEN_TTL_SECONDS) throw new Error('lives too long');
      if (typeof jti !== 'string' || jti.length < 16 || jti.length > 64) throw new Error('bad jti');
      // Checked last, so only a genuine token takes a place in the memory.
      if (!used.firstUse(`${caller}:${jti}`, exp + CLOCK_TOLERANCE_SECONDS)) throw new Error('replayed');
    } catch {
      res.setHeader('WWW-Authenticate', 'Bearer realm="bookstore-internal"');
      return next(new Unauthorized('A service token from a trusted service is required.'));
    }
    next();
  };
}

function issuerOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { iss?: unknown };
    return typeof payload.iss === 'string' ? payload.iss : undefined;
  } catch {
    return undefined;
  }
}
