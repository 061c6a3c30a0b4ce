// Accounts' e-mails (rendered by src/mail/render.ts, queued in account_outbox). Their data is what
// the outbox row holds: a one-time link's token is there sealed (link-seal.ts) until the e-mail is
// sent, then the data is cleared.
import { UnrenderableMail, type MailContext, type MailContent } from '../mail/render.js';
import type { LinkSealer } from './link-seal.js';

export const LINK_TTL = { reset_password: 60 * 60_000, verify_email: 48 * 3_600_000 } as const;

interface LinkMail {
  name: string;
  token: string;
}

function resetPassword({ name, token }: LinkMail, { language: { t }, link }: MailContext): MailContent {
  return {
    subject: t('Reset your BookStore password'),
    greeting: t('Hello, {name},', { name }),
    paragraphs: [t('Someone (we hope you) asked to reset the password of your BookStore account. The link works once, for 60 minutes.')],
    action: { label: t('Choose a new password'), url: link(`/reset-password/${token}`) },
    closing: [t('If you did not ask for this, ignore this e-mail: your password stays as it is.')],
  };
}

function verifyEmail({ name, token }: LinkMail, { language: { t }, link }: MailContext): MailContent {
  return {
    subject: t('Confirm your e-mail address'),
    greeting: t('Hello, {name},', { name }),
    paragraphs: [t('Confirm that this is your e-mail address to sell books on BookStore. The link works once, for 48 hours.')],
    action: { label: t('Confirm my address'), url: link(`/verify-email/${token}`) },
    closing: [t('If you did not create an account or change your address on BookStore, ignore this e-mail.')],
  };
}

/** The templates, opening each row's sealed token with this key. */
export function accountMails(sealer: LinkSealer) {
  const opened = (data: LinkMail): LinkMail => {
    try {
      return { ...data, token: sealer.open(data.token) };
    } catch {
      throw new UnrenderableMail('the link cannot be opened (SESSION_SECRET changed since it was queued?)');
    }
  };
  return {
    reset_password: (data: LinkMail, ctx: MailContext) => resetPassword(opened(data), ctx),
    verify_email: (data: LinkMail, ctx: MailContext) => verifyEmail(opened(data), ctx),
  };
}
