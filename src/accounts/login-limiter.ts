// Limits on failed logins (the form and POST /api/login), shared by every instance through MySQL.
import { createHash } from 'node:crypto';
import { RateLimiterMySQL, RateLimiterRes } from 'rate-limiter-flexible';
import type { Pool } from '../db/pool.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { TooManyRequests } from '../http/errors.js';

/**
 * Failed logins counted in MySQL, so every app instance shares the counts, under three limits:
 * - per account and client address (`loginMaxFailures` in the window): guessing one password;
 * - per client address across every email (`loginAddressMaxFailures`): credential stuffing;
 * - per account across every address (`loginAccountMaxFailures`, slow: 100 an hour): the backstop
 *   when the guesses come from many addresses, or an address is misread behind a proxy.
 * The first one over any limit, and every attempt after it, gets 429 before any bcrypt work.
 */
export class LoginLimiter {
  private readonly perAccountAndAddress: Limit;
  private readonly perAddress: Limit;
  private readonly perAccount: Limit;

  constructor(pool: Pool, config: Config, database: string) {
    const store = { storeClient: pool.pool, storeType: 'pool' as const, dbName: database, tableName: 'login_limits' };
    this.perAccountAndAddress = new Limit(store, 'login', config.loginMaxFailures, config.loginWindowSeconds, 'Too many failed logins for this account from your network.');
    this.perAddress = new Limit(store, 'addr', config.loginAddressMaxFailures, config.loginAddressWindowSeconds, 'Too many failed logins from your network.');
    this.perAccount = new Limit(store, 'acct', config.loginAccountMaxFailures, config.loginAccountWindowSeconds, 'Too many failed logins for this account.');
  }

  /**
   * One login attempt under the limits, the same for the form and the API: 429 once any limit is
   * used up; a failure is logged and counted on all three (the one over a limit gets 429); a
   * success clears the account's counts (only the password's holder can) but not the address's, so
   * a valid account of the attacker's own cannot reset the stuffing limit. Returns what `check` found.
   */
  async attempt<T>(email: string, ip: string, log: Logger, check: () => Promise<T | null>): Promise<T | null> {
    const accountAndAddress = accountKey(email, ip);
    const address = addressKey(ip);
    const account = accountOnlyKey(email);
    await this.perAddress.assertAllowed(address);
    await this.perAccountAndAddress.assertAllowed(accountAndAddress);
    await this.perAccount.assertAllowed(account);
    const found = await check();
    if (found) {
      await Promise.all([this.perAccountAndAddress.reset(accountAndAddress), this.perAccount.reset(account)]);
      return found;
    }
    log.warn({ event: 'login_failed', email, ip }, 'failed login');
    await Promise.all([this.perAccountAndAddress.recordFailure(accountAndAddress), this.perAddress.recordFailure(address), this.perAccount.recordFailure(account)]);
    return null;
  }
}

// Keys are hashes, so they always fit login_limits.key (VARCHAR 255) whatever the email's length
// (up to 254 characters) or the address's form (a full IPv6 address, or what a proxy forwarded).
const digest = (s: string) => createHash('sha256').update(s).digest('base64url');
export const accountKey = (email: string, ip: string) => digest(`${email.toLowerCase()}|${ip}`);
export const addressKey = (ip: string) => digest(ip);
export const accountOnlyKey = (email: string) => digest(email.toLowerCase());

type StoreOptions = Pick<ConstructorParameters<typeof RateLimiterMySQL>[0], 'storeClient' | 'storeType' | 'dbName' | 'tableName'>;

/** One counter of failures in a window; throws TooManyRequests once `maxFailures` are used. */
class Limit {
  private readonly limiter: RateLimiterMySQL;

  constructor(
    store: StoreOptions,
    keyPrefix: string,
    private readonly maxFailures: number,
    windowSeconds: number,
    private readonly reason: string,
  ) {
    this.limiter = new RateLimiterMySQL({
      ...store,
      tableCreated: true, // made by migration 001
      clearExpiredByTimeout: false, // expired rows are ignored and overwritten; no timers in the app
      keyPrefix,
      points: maxFailures,
      duration: windowSeconds,
    });
  }

  async assertAllowed(key: string): Promise<void> {
    const state = await this.limiter.get(key);
    if (state && state.consumedPoints >= this.maxFailures) throw this.tooMany(state.msBeforeNext);
  }

  async recordFailure(key: string): Promise<void> {
    try {
      await this.limiter.consume(key);
    } catch (res) {
      if (res instanceof RateLimiterRes) throw this.tooMany(res.msBeforeNext);
      throw res;
    }
  }

  async reset(key: string): Promise<void> {
    await this.limiter.delete(key);
  }

  private tooMany(msBeforeNext: number): TooManyRequests {
    const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
    const minutes = Math.ceil(seconds / 60);
    const at = new Date(Date.now() + seconds * 1000).toISOString().slice(11, 16);
    return new TooManyRequests(`${this.reason} Try again in ${minutes} minute${minutes === 1 ? '' : 's'} (after ${at} UTC).`, seconds);
  }
}
