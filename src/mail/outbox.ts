// The outbox pattern, for every feature that writes to people. The feature writes a row in the same
// transaction as the change it reports (enqueueMail), so an e-mail is queued if and only if the
// change happened. A sender job (sendDueMail, on every instance) delivers them:
//   - claim: in one transaction, a locking read takes the oldest due row nobody holds (FOR UPDATE
//     SKIP LOCKED: another sender's row is passed over, never waited for) and an UPDATE gives it
//     a random claim id and a lease;
//   - send over SMTP, with a Message-ID derived from the row's key (the same on every attempt);
//   - mark it sent by compare-and-set: only if the claim is still ours.
// A temporary failure (4xx, no answer) is tried again later, 2^n times MAIL_RETRY_SECONDS (at most an
// hour); a permanent one (5xx), or MAIL_MAX_ATTEMPTS attempts, gives the row up and logs it.
// Delivery is at least once: an instance that dies after the SMTP server said 250 and before its
// UPDATE leaves the row claimed; when the lease (2 minutes) runs out another instance sends it again.
// That window is one round trip to the database; the repeated Message-ID lets mail systems that
// deduplicate on it show one message. Everything else (two senders, retries, a row queued twice)
// sends once: claims are exclusive, and the unique dedupe_key (event, subject, recipient) keeps a
// second row of the same e-mail from ever being queued.
import { createHash, randomBytes } from 'node:crypto';
import { withTransaction, type Db, type Pool } from '../db/pool.js';
import type { Logger } from '../logger.js';
import { failureSummary, isSmtpAnswer, isTemporaryFailure, smtpMailer, type Mailer } from './mailer.js';
import * as repo from './outbox.repo.js';
import type { OutboxTable } from './outbox.repo.js';
import { mailLinks, renderMail, UnrenderableMail, type MailTemplates } from './render.js';
import type { Config } from '../config.js';
import type { Urls } from '../http/urls.js';

export type { OutboxTable };

export interface QueuedMail {
  /** What happened: "password_reset", "purchase_paid"... */
  event: string;
  /** What it happened to: a purchase id, a link's hash... */
  subject: string | number;
  /** An address and its language, or an account (its address and language are asked for when sending). */
  to: { email: string; lang: string } | { userId: number };
  template: string;
  data: Record<string, unknown>;
}

/** Where an account's e-mail goes and in which language (the AccountsPort's answer), or null when it is gone. */
export type RecipientLookup = (userId: number) => Promise<{ email: string; lang: string } | null>;

export class RecipientGone extends Error {}

/** The key that makes (event, subject, recipient) one e-mail at most. */
export function dedupeKey(event: string, subject: string | number, recipient: string): string {
  return createHash('sha256').update(`${event}\n${subject}\n${recipient.toLowerCase()}`).digest('hex');
}

/** Queues an e-mail inside the caller's transaction; false when the same one was queued before. */
export function enqueueMail(db: Db, table: OutboxTable, mail: QueuedMail): Promise<boolean> {
  const to = mail.to;
  return repo.insertMail(db, table, {
    dedupeKey: dedupeKey(mail.event, mail.subject, 'email' in to ? to.email : `user:${to.userId}`),
    recipient: 'email' in to ? to.email : null,
    recipientUserId: 'userId' in to ? to.userId : null,
    lang: 'email' in to ? to.lang : null,
    template: mail.template,
    data: JSON.stringify(mail.data),
  });
}

export interface Sender {
  pool: Pool;
  table: OutboxTable;
  templates: MailTemplates;
  mailer: Mailer;
  link: (path: string) => string;
  logger: Logger;
  retryMs: number;
  maxAttempts: number;
  /** The host part of Message-IDs (PUBLIC_URL's). */
  domain: string;
  /** For rows that name an account: its current address and language. */
  recipients?: RecipientLookup;
}

async function addressOf(s: Sender, row: repo.OutboxRow): Promise<{ email: string; lang: string }> {
  if (row.recipient) return { email: row.recipient, lang: row.lang ?? 'es' };
  const found = row.recipientUserId !== null && s.recipients ? await s.recipients(row.recipientUserId) : null;
  if (!found) throw new RecipientGone(`no address for account ${String(row.recipientUserId)}`);
  return found;
}

const LEASE_MS = 120_000;
const MAX_DELAY_MS = 3_600_000;
/** Per run: a long backlog is sent over several ticks, leaving room for other instances. */
const BATCH = 50;

/** Sends what is due in the outbox; returns how many were sent. */
export async function sendDueMail(s: Sender): Promise<number> {
  let sent = 0;
  for (let i = 0; i < BATCH; i++) {
    const claim = randomBytes(16).toString('hex');
    const row = await withTransaction(s.pool, (conn) => repo.claimOne(conn, s.table, claim, LEASE_MS, s.maxAttempts));
    if (!row) break;
    const log = { outbox: s.table, mailId: row.id, template: row.template, attempt: row.attempts };
    try {
      const to = await addressOf(s, row);
      const rendered = renderMail(s.templates, row.template, to.lang, JSON.parse(row.data ?? 'null'), s.link);
      await s.mailer.send({ to: to.email, ...rendered, messageId: `<${row.dedupeKey.slice(0, 40)}@${s.domain}>` });
    } catch (err) {
      const error = failureSummary(err);
      // A template or row that cannot be rendered, or an account that is gone, will not get better;
      // the accounts service not answering will (isTemporaryFailure: no SMTP code).
      const broken = err instanceof UnrenderableMail || err instanceof SyntaxError || err instanceof RecipientGone;
      const final = broken || !isTemporaryFailure(err) || row.attempts >= s.maxAttempts;
      if (final) {
        await withTransaction(s.pool, (conn) => repo.giveUp(conn, s.table, row.id, claim, error));
        s.logger.error({ ...log, error }, 'e-mail given up');
      } else {
        const delay = Math.min(MAX_DELAY_MS, s.retryMs * 2 ** (row.attempts - 1));
        await withTransaction(s.pool, (conn) => repo.retryLater(conn, s.table, row.id, claim, delay, error));
        s.logger.warn({ ...log, error, retryInMs: delay }, 'e-mail not sent; will retry');
        // No answer at all (the SMTP server, or accounts, down or unreachable): the next rows would
        // only wait for the same timeout. They are tried at the next tick.
        if (!isSmtpAnswer(err)) break;
      }
      continue;
    }
    // In a transaction for its deadlock retry: a mark that failed would leave the row claimed, and
    // sent again when the lease runs out.
    await withTransaction(s.pool, (conn) => repo.markSent(conn, s.table, row.id, claim));
    sent++;
  }
  return sent;
}

export type MailStatus = 'ok' | 'off' | 'backlog';
const BACKLOG_SECONDS = 15 * 60;

/** For /healthz: "off" without SMTP_URL, "backlog" when an e-mail has waited over 15 minutes. */
export async function mailStatus(db: Db, tables: OutboxTable[], smtpConfigured: boolean): Promise<MailStatus> {
  if (!smtpConfigured) return 'off';
  for (const table of tables) if ((await repo.oldestPendingAgeSeconds(db, table)) > BACKLOG_SECONDS) return 'backlog';
  return 'ok';
}

const SEND_EVERY_MS = 2_000;

/** The sender as periodic jobs (see jobs.ts), started only where SMTP_URL is set: sending, and forgetting old rows. */
export function outboxJobs(name: string, sender: Sender): { name: string; everyMs: number; run: () => Promise<number> }[] {
  return [
    { name, everyMs: SEND_EVERY_MS, run: () => sendDueMail(sender) },
    { name: `${name}-purge`, everyMs: 3_600_000, run: () => repo.purgeOld(sender.pool, sender.table) },
  ];
}

/** What sending an outbox needs beyond its pool: null without SMTP_URL (then the rows wait). */
export interface MailSetup {
  mailer: Mailer;
  logger: Logger;
  /** The URL layout links follow (the Ingress's prefixes in the services). */
  urls: Urls;
}

export function mailSetup(config: Config, logger: Logger, urls: Urls): MailSetup | null {
  return config.smtpUrl ? { mailer: smtpMailer(config.smtpUrl, config.mailFrom), logger, urls } : null;
}

/** A feature's sender, from the settings every sender shares. */
export function outboxSender({ pool, config, mailer, logger, urls }: MailSetup & { pool: Pool; config: Config }, table: OutboxTable, templates: MailTemplates): Sender {
  return {
    pool,
    table,
    templates,
    mailer,
    logger,
    link: mailLinks(config.publicUrl, urls),
    retryMs: config.mailRetryMs,
    maxAttempts: config.mailMaxAttempts,
    domain: new URL(config.publicUrl).hostname,
  };
}
