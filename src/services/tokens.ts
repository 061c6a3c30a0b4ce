// Asymmetric tokens for the split shop. Auth signs the API's bearer tokens with its private key
// (ES256) and publishes the public key (JWKS); catalog and order verify the signature locally, with
// the key mounted from the same secret, and ask auth (cached a few seconds) whether the account may
// still use it. Services calling each other send
// a short-lived service token signed with their own key, addressed (aud) to the callee.
import type { RequestHandler } from 'express';
import { createPublicKey } from 'node:crypto';
import { exportJWK, importPKCS8, importSPKI, jwtVerify, SignJWT, type CryptoKey, type JWK } from 'jose';
import type { SessionAccount } from '../accounts/accounts.port.js';
import { claimsOf, INVALID_TOKEN, JWT_AUDIENCE, TOKEN_TTL_SECONDS, type ClaimsVerifier } from '../api/jwt.js';
import { NotFound, Unauthorized } from '../http/errors.js';

const ALG = 'ES256';
export const AUTH_ISSUER = 'bookstore-auth';
export const SERVICE_TOKEN_TTL_SECONDS = 60;

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

/** Service tokens this service sends: one per audience, reused until 10 s before it expires. */
export async function serviceTokens(self: string, privateKeyPem: string): Promise<(audience: string) => Promise<string>> {
  const key = await importPKCS8(privateKeyPem, ALG);
  const cache = new Map<string, { token: string; until: number }>();
  return async (audience) => {
    const now = Math.floor(Date.now() / 1000);
    const cached = cache.get(audience);
    if (cached && cached.until > now + 10) return cached.token;
    const token = await new SignJWT({})
      .setProtectedHeader({ alg: ALG, typ: 'JWT' })
      .setIssuer(self)
      .setSubject(self)
      .setAudience(audience)
      .setIssuedAt(now)
      .setExpirationTime(now + SERVICE_TOKEN_TTL_SECONDS)
      .sign(key);
    cache.set(audience, { token, until: now + SERVICE_TOKEN_TTL_SECONDS });
    return token;
  };
}

/**
 * Guards /internal: a service token from a trusted caller, addressed to this service. A request
 * that came through the Ingress (it adds X-Forwarded-Prefix) is never internal: 404.
 */
export async function requireServiceToken(self: string, trusted: Record<string, string>): Promise<RequestHandler> {
  const keys = new Map<string, CryptoKey>();
  for (const [caller, pem] of Object.entries(trusted)) keys.set(caller, await importSPKI(pem, ALG));
  return async (req, res, next) => {
    if (req.get('x-forwarded-prefix')) return next(new NotFound());
    const token = /^Bearer ([A-Za-z0-9._~+/-]+=*)$/.exec(req.get('authorization') ?? '')?.[1];
    const caller = token ? issuerOf(token) : undefined;
    const key = caller ? keys.get(caller) : undefined;
    try {
      if (!token || !key) throw new Error('no trusted caller');
      await jwtVerify(token, key, { algorithms: [ALG], issuer: caller, audience: self, requiredClaims: ['exp', 'iat'], maxTokenAge: `${SERVICE_TOKEN_TTL_SECONDS + 5}s` });
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
