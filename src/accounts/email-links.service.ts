// One-time links sent by e-mail: password reset (60 minutes) and address verification (48 hours).
// A token is 32 random bytes (base64url); only its SHA-256 is stored; it works once; a newer link of
// the same purpose voids the older ones. Each link's e-mail is queued in account_outbox in the same
// transaction as the link itself.
import { createHash, randomBytes } from 'node:crypto';
import { isDuplicateKey, withTransaction, type Db, type Pool } from '../db/pool.js';
import { Invalid } from '../http/errors.js';
import { dedupeKey, enqueueMail } from '../mail/outbox.js';
import { LINK_TTL } from './accounts.mails.js';
import * as users from './accounts.repo.js';
import { checkPassword, hashPassword } from './accounts.service.js';
import * as repo from './email-links.repo.js';
import type { LinkPurpose } from './email-links.repo.js';
import type { LinkSealer } from './link-seal.js';

const sha256 = (token: string) => createHash('sha256').update(token).digest();

function newLink(purpose: LinkPurpose) {
  const token = randomBytes(32).toString('base64url');
  return { token, tokenHash: sha256(token), expiresAt: new Date(Date.now() + LINK_TTL[purpose]) };
}

/** The stored hash of a token from a URL, or null when it cannot be one of ours (no lookup then). */
function hashOf(token: string): Buffer | null {
  return /^[A-Za-z0-9_-]{43}$/.test(token) ? sha256(token) : null;
}

/**
 * "Forgot your password?": the same statements run whether or not an account has this e-mail (they
 * write rows only when it does), so neither the answer nor its time tells the two apart.
 */
export async function requestPasswordReset(pool: Pool, sealer: LinkSealer, email: string): Promise<void> {
  const { token, tokenHash, expiresAt } = newLink('reset_password');
  const key = dedupeKey('reset_password', tokenHash.toString('hex'), email);
  await withTransaction(pool, async (conn) => {
    await repo.voidLinksByEmail(conn, email, 'reset_password');
    await repo.insertLinkForEmail(conn, email, { purpose: 'reset_password', tokenHash, expiresAt }, { dedupeKey: key, template: 'reset_password', token: sealer.seal(token) });
  });
}

/** Queues a verification link to `email` (the account's own, or the one it changes to), in the caller's transaction. */
export async function queueVerification(db: Db, sealer: LinkSealer, user: { id: number; name: string; lang: string }, email: string): Promise<void> {
  const { token, tokenHash, expiresAt } = newLink('verify_email');
  await repo.voidLinksOfUser(db, user.id, 'verify_email');
  await repo.insertLink(db, user.id, { purpose: 'verify_email', tokenHash, email, expiresAt });
  await enqueueMail(db, 'account_outbox', {
    event: 'verify_email',
    subject: tokenHash.toString('hex'),
    to: { email, lang: user.lang },
    template: 'verify_email',
    data: { name: user.name, token: sealer.seal(token) },
  });
}

/** Whether the link from an e-mail still works (for the page that shows its form). */
export async function linkIsLive(pool: Pool, token: string, purpose: LinkPurpose): Promise<boolean> {
  const hash = hashOf(token);
  return hash !== null && (await repo.findLiveLink(pool, hash, purpose)) !== null;
}

/**
 * Sets the new password through a reset link, once. Ends every session and API token of the
 * account (updatePassword moves its session version on) and counts the address as verified: the
 * link reached it. false when the link is unknown, used, voided or expired.
 */
export async function resetPassword(pool: Pool, token: string, password: string): Promise<boolean> {
  const hash = hashOf(token);
  if (!hash) return false;
  const passwordHash = await hashPassword(password);
  return withTransaction(pool, async (conn) => {
    const link = await repo.findLiveLink(conn, hash, 'reset_password', true);
    if (!link || !(await repo.useLink(conn, link.id))) return false;
    await users.updatePassword(conn, link.userId, passwordHash);
    const user = await users.findUserById(conn, link.userId);
    if (user && user.email === link.email && !user.emailVerified) await repo.setVerifiedEmail(conn, user.id, user.email);
    return true;
  });
}

export type Verification = 'verified' | 'invalid' | 'taken';

/** Verifies the address a link was sent to; a changed address becomes the account's e-mail now. */
export async function verifyEmail(pool: Pool, token: string): Promise<Verification> {
  const hash = hashOf(token);
  if (!hash) return 'invalid';
  try {
    return await withTransaction(pool, async (conn) => {
      const link = await repo.findLiveLink(conn, hash, 'verify_email', true);
      if (!link || !(await repo.useLink(conn, link.id))) return 'invalid';
      await repo.setVerifiedEmail(conn, link.userId, link.email);
      return 'verified';
    });
  } catch (err) {
    if (isDuplicateKey(err)) return 'taken'; // another account took the address since the link was sent
    throw err;
  }
}

/** Sends the verification link again to the account's current address (nothing when already verified). */
export async function resendVerification(pool: Pool, sealer: LinkSealer, userId: number): Promise<boolean> {
  return withTransaction(pool, async (conn) => {
    const user = await users.findUserById(conn, userId);
    if (!user || user.emailVerified) return false;
    await queueVerification(conn, sealer, user, user.email);
    return true;
  });
}

/** A change of address, confirmed with the password: it takes effect when the link sent to it is opened. */
export async function requestEmailChange(pool: Pool, sealer: LinkSealer, userId: number, password: string, email: string): Promise<void> {
  if (!(await checkPassword(pool, userId, password))) throw new Invalid({ email_password: 'Your password is not correct.' });
  await withTransaction(pool, async (conn) => {
    const user = await users.findUserById(conn, userId);
    if (!user) throw new Invalid({ new_email: 'Enter a valid email address, like name@example.com.' });
    if (user.email === email) throw new Invalid({ new_email: 'This is already your e-mail address.' });
    if (await users.findUserByEmail(conn, email)) throw new Invalid({ new_email: 'An account with this email already exists.' });
    await queueVerification(conn, sealer, user, email);
  });
}
