// The one way out: nodemailer over SMTP (SMTP_URL). Made once per process by whoever starts a
// sender job; nothing here knows which feature's outbox the message came from.
import nodemailer from 'nodemailer';

export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html: string;
  /** The same on every attempt: a client or server that sees it twice may show it once. */
  messageId: string;
}

export interface Mailer {
  send(message: MailMessage): Promise<void>;
  close(): void;
}

export function smtpMailer(smtpUrl: string, from: string): Mailer {
  const transport = nodemailer.createTransport({
    url: smtpUrl,
    // A slow or silent server fails the attempt (and it is retried later) well within a claim's lease.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    // One connection per message, closed after it: a few e-mails a minute need no pool, and no
    // idle connection outlives the process's jobs.
  });
  return {
    async send({ to, subject, text, html, messageId }) {
      await transport.sendMail({ from, to, subject, text, html, messageId });
    },
    close: () => transport.close(),
  };
}

/**
 * Worth trying again later: the server answered 4xx (greylisting, a full queue, a rate limit) or
 * did not answer at all (down, unreachable, timed out). A 5xx answer (no such mailbox, refused) is
 * final: sending the same message again would get the same answer.
 */
export function isTemporaryFailure(err: unknown): boolean {
  const code = (err as { responseCode?: unknown }).responseCode;
  return typeof code !== 'number' || code < 500;
}

/** The server answered (with an SMTP code), as opposed to not being reached at all. */
export function isSmtpAnswer(err: unknown): boolean {
  return typeof (err as { responseCode?: unknown }).responseCode === 'number';
}

/** What a failure may say in the log and the outbox row: its code and first line, no message content. */
export function failureSummary(err: unknown): string {
  const e = err as { code?: unknown; responseCode?: unknown; message?: unknown };
  const first = String(e.message ?? err).split('\n', 1)[0] ?? '';
  return [e.code, e.responseCode, first].filter((x) => x !== undefined && x !== '').join(' ').slice(0, 250);
}
