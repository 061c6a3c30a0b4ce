import { RateLimiterMySQL, RateLimiterRes } from 'rate-limiter-flexible';
import type { Pool } from '../db/pool.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { TooManyRequests } from '../http/errors.js';

/**
 * Failed logins counted per email+IP in MySQL, so every app instance shares the count.
 * After `loginMaxFailures` failures in the window the next attempt gets 429.
 */
export class LoginLimiter {
  private readonly limiter: RateLimiterMySQL;
  private readonly maxFailures: number;

  constructor(pool: Pool, config: Config, database: string) {
    this.maxFailures = config.loginMaxFailures;
    this.limiter = new RateLimiterMySQL({
      storeClient: pool.pool,
      storeType: 'pool',
      dbName: database,
      tableName: 'login_limits',
      tableCreated: true, // made by migration 001
      clearExpiredByTimeout: false, // expired rows are ignored and overwritten; no timers in the app
      keyPrefix: 'login',
      points: config.loginMaxFailures,
      duration: config.loginWindowSeconds,
    });
  }

  private key(email: string, ip: string): string {
    return `${email.toLowerCase()}|${ip}`;
  }

  /**
   * One login attempt under the limit, the same for the form and the API: 429 once this email+IP
   * has used up its failures; a failure is logged and counted (the one over the limit gets 429),
   * a success clears the count. Returns what `check` found.
   */
  async attempt<T>(email: string, ip: string, log: Logger, check: () => Promise<T | null>): Promise<T | null> {
    await this.assertAllowed(email, ip);
    const found = await check();
    if (found) {
      await this.reset(email, ip);
      return found;
    }
    log.warn({ event: 'login_failed', email, ip }, 'failed login');
    await this.recordFailure(email, ip);
    return null;
  }

  private async assertAllowed(email: string, ip: string): Promise<void> {
    const state = await this.limiter.get(this.key(email, ip));
    if (state && state.consumedPoints >= this.maxFailures) throw tooMany(state.msBeforeNext);
  }

  private async recordFailure(email: string, ip: string): Promise<void> {
    try {
      await this.limiter.consume(this.key(email, ip));
    } catch (res) {
      if (res instanceof RateLimiterRes) throw tooMany(res.msBeforeNext);
      throw res;
    }
  }

  private async reset(email: string, ip: string): Promise<void> {
    await this.limiter.delete(this.key(email, ip));
  }
}

function tooMany(msBeforeNext: number): TooManyRequests {
  const seconds = Math.max(1, Math.ceil(msBeforeNext / 1000));
  const minutes = Math.ceil(seconds / 60);
  const at = new Date(Date.now() + seconds * 1000).toISOString().slice(11, 16);
  return new TooManyRequests(
    `Too many failed logins for this account from your network. Try again in ${minutes} minute${minutes === 1 ? '' : 's'} (after ${at} UTC).`,
    seconds,
  );
}
