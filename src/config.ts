// The environment is read here and only here, once, and validated by a schema.
// A missing or bad value stops the process with one line naming the variable.
import { randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import { z } from 'zod';

const boolean = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const positiveInt = (fallback: number) => z.coerce.number({ message: 'must be a number' }).int('must be a whole number').positive('must be positive').default(fallback);

// Express 'trust proxy': false, a hop count, or addresses/CIDRs/names (loopback, uniquelocal).
// `true` would let any client forge X-Forwarded-For, so it is refused.
const trustProxy = z
  .string()
  .trim()
  .refine((v) => v !== 'true', 'must name the proxy (a hop count, addresses or CIDRs), not "true"')
  .refine((v) => /^(false|\d{1,2}|[\w.:/,\s-]+)$/.test(v), 'must be false, a hop count or a list of addresses')
  .transform((v): boolean | number | string[] => {
    if (v === 'false' || v === '') return false;
    if (/^\d+$/.test(v)) return Number(v);
    return v.split(',').map((s) => s.trim()).filter(Boolean);
  });

const secret = z.string().min(32, 'must be at least 32 characters');

const schema = z
  .object({
    NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
    PORT: z.coerce.number({ message: 'must be a number' }).int().min(0).max(65535, 'must be a port number').default(3000),
    HOST: z
      .string()
      .trim()
      .refine((v) => isIP(v) !== 0 || v === 'localhost', 'must be an IP address to listen on (127.0.0.1, ::1, 0.0.0.0, ::) or localhost')
      .optional(),
    DATABASE_URL: z
      .string()
      .default('mysql://root@127.0.0.1:3306/bookstore')
      .refine((v) => URL.canParse(v) && new URL(v).protocol === 'mysql:' && new URL(v).pathname.length > 1, 'must look like mysql://user:password@host:3306/database'),
    SESSION_SECRET: secret.optional(),
    JWT_SECRET: secret.optional(),
    UPLOAD_DIR: z.string().min(1).default('./uploads'),
    TRUST_PROXY: trustProxy.default(false),
    MIGRATE_ON_START: boolean.default(false),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    SESSION_IDLE_MINUTES: positiveInt(120),
    SESSION_MAX_HOURS: positiveInt(24),
    LOGIN_MAX_FAILURES: positiveInt(10),
    LOGIN_WINDOW_MINUTES: positiveInt(15),
    LOGIN_ADDRESS_MAX_FAILURES: positiveInt(100),
    LOGIN_ADDRESS_WINDOW_MINUTES: positiveInt(15),
    LOGIN_ACCOUNT_MAX_FAILURES: positiveInt(100),
    LOGIN_ACCOUNT_WINDOW_MINUTES: positiveInt(60),
    HTTP_HEADERS_TIMEOUT_MS: positiveInt(10_000),
    HTTP_REQUEST_TIMEOUT_MS: positiveInt(30_000),
    LISTINGS_PER_DAY: positiveInt(50),
    PURCHASE_TTL_MINUTES: positiveInt(30),
    DELIVERY_SPEEDUP: z.coerce.number({ message: 'must be a number' }).positive('must be positive').default(1),
    /** A paid parcel not marked shipped within this many business days (Monday to Friday) is cancelled and refunded. */
    SHIP_BY_BUSINESS_DAYS: positiveInt(3).refine((n) => n <= 30, 'must be at most 30'),
    /** A buyer may open a claim on a delivered parcel for this many business days (Ley 1480 de 2011, art. 47: 5). */
    CLAIM_BUSINESS_DAYS: positiveInt(5).refine((n) => n <= 60, 'must be at most 60'),
    SHUTDOWN_TIMEOUT_MS: positiveInt(9000),
    /** smtp://user:password@host:587 (STARTTLS when offered) or smtps://user:password@host:465. */
    SMTP_URL: z
      .string()
      .refine((v) => URL.canParse(v) && /^smtps?:$/.test(new URL(v).protocol) && new URL(v).hostname !== '', 'must look like smtp://user:password@host:587 or smtps://user:password@host:465')
      .optional(),
    MAIL_FROM: z.string().trim().max(200).default('BookStore <no-reply@bookstore.local>'),
    /** Where the links in e-mails point: the shop as its users reach it (never the request's Host). */
    PUBLIC_URL: z
      .string()
      .refine((v) => URL.canParse(v) && /^https?:$/.test(new URL(v).protocol), 'must be an http(s) URL like https://shop.example')
      .transform((v) => v.replace(/\/+$/, ''))
      .default('http://localhost:3000'),
    EMAIL_VERIFICATION: z.enum(['required', 'off'], { message: 'must be required or off' }).optional(),
    /** The first retry of a temporary SMTP failure waits this long; each next one twice as long (at most an hour). */
    MAIL_RETRY_SECONDS: positiveInt(30),
    MAIL_MAX_ATTEMPTS: positiveInt(8),
    /** Password-reset and verification e-mails one address (or one client address) may ask for per hour. */
    MAIL_LINKS_PER_HOUR: positiveInt(5),
    MAIL_LINKS_PER_HOUR_PER_ADDRESS: positiveInt(30),
    INSTANCE_NAME: z
      .string()
      .trim()
      .regex(/^[\w.-]{1,64}$/, 'must be 1 to 64 letters, digits, dots, dashes or underscores')
      .optional(),
  })

type Secret = 'SESSION_SECRET' | 'JWT_SECRET';

function requireInProduction(env: z.infer<typeof schema>, names: readonly Secret[]): void {
  if (env.NODE_ENV !== 'production') return;
  for (const name of names) {
    if (!env[name]) throw new ConfigError(`Invalid configuration: ${name} is required in production (at least 32 characters)`);
  }
}

export interface Config {
  env: 'development' | 'test' | 'production';
  isProduction: boolean;
  port: number;
  /** The address to listen on; null: every interface (what a container needs). */
  host: string | null;
  databaseUrl: string;
  sessionSecret: string;
  jwtSecret: string;
  uploadDir: string;
  trustProxy: boolean | number | string[];
  migrateOnStart: boolean;
  logLevel: string;
  sessionIdleMs: number;
  sessionMaxMs: number;
  loginMaxFailures: number;
  loginWindowSeconds: number;
  /** Failed logins from one client address, across every email, before it gets 429. */
  loginAddressMaxFailures: number;
  loginAddressWindowSeconds: number;
  /** Failed logins for one account, from every address, before it gets 429 (a slow backstop). */
  loginAccountMaxFailures: number;
  loginAccountWindowSeconds: number;
  /** Slow clients are cut off: all headers within this time, and the whole request within the next. */
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  listingsPerDay: number;
  purchaseTtlMinutes: number;
  deliverySpeedup: number;
  shipByBusinessDays: number;
  claimBusinessDays: number;
  shutdownTimeoutMs: number;
  /** null: no e-mail is sent (rows wait in the outboxes) and /healthz says "mail":"off". */
  smtpUrl: string | null;
  mailFrom: string;
  /** No trailing slash. */
  publicUrl: string;
  /** An unverified account may not list books (default: required when SMTP_URL is set). */
  emailVerificationRequired: boolean;
  mailRetryMs: number;
  mailMaxAttempts: number;
  mailLinksPerHour: number;
  mailLinksPerHourPerAddress: number;
  /** Sent as `X-Instance` when set, so an operator behind a load balancer sees who answered. */
  instanceName: string | null;
}

export class ConfigError extends Error {}

/**
 * The environment through a schema: an empty variable counts as unset, and the first problem is
 * the message (naming the variable), so a wrong deployment stops at start with one clear line.
 */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.output<S> {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(present);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new ConfigError(`Invalid configuration: ${String(issue?.path[0] ?? 'environment')} ${issue?.message ?? 'is invalid'}`);
}

/**
 * `productionSecrets`: the secrets this process cannot run without in production. The monolith signs
 * its API tokens with JWT_SECRET (HS256); the services sign and verify with ES256 keys instead
 * (src/services/service.config.ts), so they need only SESSION_SECRET.
 */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, productionSecrets: readonly Secret[] = ['SESSION_SECRET', 'JWT_SECRET']): Config {
  // Empty strings count as unset, as they do in most .env files.
  const e = parseEnv(schema, env);
  requireInProduction(e, productionSecrets);
  // Outside production a missing secret is replaced by a random one: sessions then last
  // until the process restarts, which is fine for development and tests.
  const ephemeral = () => randomBytes(32).toString('hex');
  return {
    env: e.NODE_ENV,
    isProduction: e.NODE_ENV === 'production',
    port: e.PORT,
    host: e.HOST ?? null,
    databaseUrl: e.DATABASE_URL,
    sessionSecret: e.SESSION_SECRET ?? ephemeral(),
    jwtSecret: e.JWT_SECRET ?? ephemeral(),
    uploadDir: e.UPLOAD_DIR,
    trustProxy: e.TRUST_PROXY,
    migrateOnStart: e.MIGRATE_ON_START,
    logLevel: e.LOG_LEVEL,
    sessionIdleMs: e.SESSION_IDLE_MINUTES * 60_000,
    sessionMaxMs: e.SESSION_MAX_HOURS * 3_600_000,
    loginMaxFailures: e.LOGIN_MAX_FAILURES,
    loginWindowSeconds: e.LOGIN_WINDOW_MINUTES * 60,
    loginAddressMaxFailures: e.LOGIN_ADDRESS_MAX_FAILURES,
    loginAddressWindowSeconds: e.LOGIN_ADDRESS_WINDOW_MINUTES * 60,
    loginAccountMaxFailures: e.LOGIN_ACCOUNT_MAX_FAILURES,
    loginAccountWindowSeconds: e.LOGIN_ACCOUNT_WINDOW_MINUTES * 60,
    headersTimeoutMs: e.HTTP_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: Math.max(e.HTTP_REQUEST_TIMEOUT_MS, e.HTTP_HEADERS_TIMEOUT_MS),
    listingsPerDay: e.LISTINGS_PER_DAY,
    purchaseTtlMinutes: e.PURCHASE_TTL_MINUTES,
    deliverySpeedup: e.DELIVERY_SPEEDUP,
    shipByBusinessDays: e.SHIP_BY_BUSINESS_DAYS,
    claimBusinessDays: e.CLAIM_BUSINESS_DAYS,
    shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
    smtpUrl: e.SMTP_URL ?? null,
    mailFrom: e.MAIL_FROM,
    publicUrl: e.PUBLIC_URL,
    emailVerificationRequired: (e.EMAIL_VERIFICATION ?? (e.SMTP_URL ? 'required' : 'off')) === 'required',
    mailRetryMs: e.MAIL_RETRY_SECONDS * 1000,
    mailMaxAttempts: e.MAIL_MAX_ATTEMPTS,
    mailLinksPerHour: e.MAIL_LINKS_PER_HOUR,
    mailLinksPerHourPerAddress: e.MAIL_LINKS_PER_HOUR_PER_ADDRESS,
    instanceName: e.INSTANCE_NAME ?? null,
  };
}
