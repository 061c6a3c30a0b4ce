// How many e-mailed links (password reset, verification) may be asked for: per e-mail address and
// per client address, each MAIL_LINKS_PER_HOUR[_PER_ADDRESS] an hour, counted in MySQL like failed
// logins (login_limits, other key prefixes) so every instance shares the counts. Every request
// counts, whether or not an account has the address: the limit says nothing about who exists.
import { RateLimiterMySQL, RateLimiterRes } from 'rate-limiter-flexible';
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import { TooManyRequests } from '../http/errors.js';
import { accountKey, addressKey } from './login-limiter.js';

const HOUR = 3600;

export class LinkLimiter {
  private readonly perEmail: RateLimiterMySQL;
  private readonly perAddress: RateLimiterMySQL;

  constructor(pool: Pool, config: Config, database: string) {
    const store = { storeClient: pool.pool, storeType: 'pool' as const, dbName: database, tableName: 'login_limits', tableCreated: true, clearExpiredByTimeout: false };
    this.perEmail = new RateLimiterMySQL({ ...store, keyPrefix: 'mail', points: config.mailLinksPerHour, duration: HOUR });
    this.perAddress = new RateLimiterMySQL({ ...store, keyPrefix: 'mailaddr', points: config.mailLinksPerHourPerAddress, duration: HOUR });
  }

  /** Counts one request for a link to `email` from `ip`; 429 once either count is used up. */
  async consume(email: string, ip: string): Promise<void> {
    try {
      await this.perAddress.consume(addressKey(ip));
      await this.perEmail.consume(accountKey(email, ''));
    } catch (res) {
      if (!(res instanceof RateLimiterRes)) throw res;
      throw new TooManyRequests('Too many e-mails were asked for from here or for this address. Try again later.', Math.max(1, Math.ceil(res.msBeforeNext / 1000)));
    }
  }
}
