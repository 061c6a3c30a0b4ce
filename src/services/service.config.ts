// The settings a service adds to the monolith's (src/config.ts): which service it is, where the
// others are, its databases and its keys. Read once by the entry point, validated by a schema.
import { z } from 'zod';
import { ConfigError, loadConfig, parseEnv, type Config } from '../config.js';
import { serviceUrls, type ServiceName, type Urls } from '../http/urls.js';

const PORTS: Record<ServiceName, number> = { auth: 5001, catalog: 5002, order: 5003 };

const url = z.string().refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL');
const prefix = z.string().regex(/^(\/[A-Za-z0-9._-]+)+$/, 'must be a path such as /auth');
const pem = (kind: 'PRIVATE' | 'PUBLIC') =>
  z
    .string()
    .transform((v) => v.replace(/\\n/g, '\n'))
    .refine((v) => v.includes(`-----BEGIN ${kind} KEY-----`), `must be a PEM ${kind.toLowerCase()} key`);

const schema = z.object({
  AUTH_PREFIX: prefix.default('/auth'),
  CATALOG_PREFIX: prefix.default('/book'),
  ORDER_PREFIX: prefix.default('/order'),
  AUTH_URL: url.default('http://127.0.0.1:5001'),
  CATALOG_URL: url.default('http://127.0.0.1:5002'),
  /** auth: signs API tokens (ES256, PKCS#8). */
  JWT_PRIVATE_KEY: pem('PRIVATE').optional(),
  /** catalog, order: auth's public key (SPKI), to verify API tokens locally. */
  JWT_PUBLIC_KEY: pem('PUBLIC').optional(),
  /** This service's own key, for the service tokens it sends (ES256, PKCS#8). */
  SERVICE_PRIVATE_KEY: pem('PRIVATE').optional(),
  /** The callers this service accepts, as JSON {"order": "<SPKI PEM>"}. */
  TRUSTED_SERVICE_KEYS: z
    .string()
    .transform((v, ctx) => {
      try {
        return z.record(z.string().regex(/^[a-z]+$/), pem('PUBLIC')).parse(JSON.parse(v));
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON like {"order": "-----BEGIN PUBLIC KEY-----..."}' });
        return z.NEVER;
      }
    })
    .optional(),
  CALL_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),
  /**
   * catalog, order: how long auth's answer "this account may still use this API token" is kept. It
   * is the bound on revocation for API tokens: a disabled, demoted or re-passworded account's tokens
   * are refused at most this long after the change. 0 asks auth on every call. (Sessions need no
   * such bound: each page reads its session from auth with the account along, uncached.)
   */
  ACCOUNT_CHECK_CACHE_MS: z.coerce.number().int().min(0).max(60_000, 'must be at most 60000 (one minute)').default(3000),
});

export interface ServiceConfig extends Config {
  service: ServiceName;
  urls: Urls;
  authUrl: string;
  catalogUrl: string;
  jwtPrivateKey?: string;
  jwtPublicKey?: string;
  servicePrivateKey?: string;
  trustedServiceKeys: Record<string, string>;
  callTimeoutMs: number;
  /** See ACCOUNT_CHECK_CACHE_MS: the revocation bound for API tokens on catalog and order. */
  accountCheckCacheMs: number;
}

const NEEDS: Record<ServiceName, (keyof z.infer<typeof schema>)[]> = {
  auth: ['JWT_PRIVATE_KEY', 'TRUSTED_SERVICE_KEYS'],
  catalog: ['JWT_PUBLIC_KEY', 'SERVICE_PRIVATE_KEY', 'TRUSTED_SERVICE_KEYS'],
  order: ['JWT_PUBLIC_KEY', 'SERVICE_PRIVATE_KEY'],
};

export function loadServiceConfig(service: ServiceName, env: NodeJS.ProcessEnv = process.env): ServiceConfig {
  const base = loadConfig({ PORT: String(PORTS[service]), ...env }, ['SESSION_SECRET']);
  const e = parseEnv(schema, env);
  for (const name of NEEDS[service]) if (!e[name]) throw new ConfigError(`Invalid configuration: ${name} is required by the ${service} service`);
  return {
    ...base,
    service,
    urls: serviceUrls(service, { auth: e.AUTH_PREFIX, catalog: e.CATALOG_PREFIX, order: e.ORDER_PREFIX }),
    authUrl: e.AUTH_URL,
    catalogUrl: e.CATALOG_URL,
    jwtPrivateKey: e.JWT_PRIVATE_KEY,
    jwtPublicKey: e.JWT_PUBLIC_KEY,
    servicePrivateKey: e.SERVICE_PRIVATE_KEY,
    trustedServiceKeys: e.TRUSTED_SERVICE_KEYS ?? {},
    callTimeoutMs: e.CALL_TIMEOUT_MS,
    accountCheckCacheMs: e.ACCOUNT_CHECK_CACHE_MS,
  };
}
