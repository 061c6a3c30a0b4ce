// Accounts' e-mails (rendered by src/mail/render.ts, queued in account_outbox). Their data is what
// the outbox row holds: a one-time link's token is there until the e-mail is sent, then cleared.
import type { MailContext, MailContent } from '../mail/render.js';

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

export const accountMails = { reset_password: resetPassword, verify_email: verifyEmail };
