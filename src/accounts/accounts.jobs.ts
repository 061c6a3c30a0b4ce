// Accounts' periodic jobs: expired sessions are deleted (a read already treats them as gone; this
// only keeps the table small), and, with SMTP_URL, account_outbox is sent (reset and verification
// links). Every instance may run them: a DELETE by expiry twice deletes once; the sender claims rows.
import type { Config } from '../config.js';
import type { Pool } from '../db/pool.js';
import type { Job } from '../jobs.js';
import { outboxJobs, outboxSender, type MailSetup } from '../mail/outbox.js';
import { accountMails } from './accounts.mails.js';
import { deleteExpiredSessions } from './accounts.service.js';
import { linkSealer } from './link-seal.js';

const PURGE_EVERY_MS = 15 * 60_000;

/** `mail`: with SMTP_URL, what account_outbox is sent with (and the config its sender reads). */
export function accountsJobs(pool: Pool, mail: (MailSetup & { config: Config }) | null = null): Job[] {
  return [
    { name: 'purge-expired-sessions', everyMs: PURGE_EVERY_MS, run: () => deleteExpiredSessions(pool, Math.round(Date.now() / 1000)) },
    ...(mail ? outboxJobs('send-account-mail', outboxSender({ pool, ...mail }, 'account_outbox', accountMails(linkSealer(mail.config.sessionSecret)))) : []),
  ];
}
