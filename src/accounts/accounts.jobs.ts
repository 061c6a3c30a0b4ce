// Accounts' periodic job: sending account_outbox (reset and verification links). Started by
// server.ts and the auth service after listen, only where SMTP_URL is set; safe on every instance.
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import type { UrlLayout } from '../http/urls.js';
import { startJobs, type Jobs } from '../jobs.js';
import type { Logger } from '../logger.js';
import type { Mailer } from '../mail/mailer.js';
import { outboxJobs, outboxSender } from '../mail/outbox.js';
import { accountMails } from './accounts.mails.js';
import { linkSealer } from './link-seal.js';

export function startAccountJobs(deps: { pool: Pool; config: Config; logger: Logger; mailer: Mailer; urls: UrlLayout }): Jobs {
  return startJobs(deps.logger, outboxJobs('send-account-mail', outboxSender(deps, 'account_outbox', accountMails(linkSealer(deps.config.sessionSecret)))));
}
