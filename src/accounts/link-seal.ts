// A link's token waits in account_outbox until its e-mail is sent. The table keeps only the SHA-256
// of every token it can check (email_tokens), so the outbox keeps the token sealed too: AES-256-GCM
// under a key derived from SESSION_SECRET, opened by the sender when it renders the e-mail. A database
// reader (a backup, a replica, a leaked dump) finds no live link in either table.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface LinkSealer {
  seal(token: string): string;
  /** Throws when the value was not sealed with this key (SESSION_SECRET changed since). */
  open(sealed: string): string;
}

export function linkSealer(secret: string): LinkSealer {
  const key = Buffer.from(hkdfSync('sha256', secret, 'bookstore', 'e-mail link tokens in the outbox', 32));
  return {
    seal(token) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', key, iv);
      const body = Buffer.concat([cipher.update(token, 'utf8'), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed) {
      const bytes = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', key, bytes.subarray(0, 12));
      decipher.setAuthTag(bytes.subarray(12, 28));
      return Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString('utf8');
    },
  };
}
