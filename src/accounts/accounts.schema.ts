// What the account forms accept: names, emails, passwords (length, not a common one, confirmed),
// log-in credentials and an administrator's choice of role. One message per field, in English keys.
import { z } from 'zod';
import { createRequire } from 'node:module';

// The 49k most common passwords (zxcvbn's list), compared without case. Loaded (about 20 MB) when a
// password is first chosen, not at start: most requests never choose one.
const require = createRequire(import.meta.url);
let commonPasswords: Set<string> | undefined;
function isCommonPassword(p: string): boolean {
  commonPasswords ??= new Set(
    (require('@zxcvbn-ts/language-common') as typeof import('@zxcvbn-ts/language-common')).dictionary['passwords-common'].map((w) => w.toLowerCase()),
  );
  return commonPasswords.has(p.toLowerCase());
}

const byteLength = (s: string) => Buffer.byteLength(s, 'utf8');

// bcrypt reads at most 72 bytes: longer passwords are refused rather than silently cut.
export const newPassword = z
  .string({ message: 'Choose a password.' })
  .min(1, 'Choose a password.')
  .refine((p) => [...p].length >= 12, 'Use at least 12 characters.')
  .refine((p) => byteLength(p) <= 72, 'Use at most 72 bytes (about 72 letters; fewer with accents or emoji).')
  .refine((p) => !isCommonPassword(p) && !/^(.)\1+$/.test(p), 'This password is too common. Choose one that is harder to guess.');

export const email = z
  .string({ message: 'Enter your email address.' })
  .trim()
  .min(1, 'Enter your email address.')
  .max(254, 'Use an email address of at most 254 characters.')
  .pipe(z.email({ message: 'Enter a valid email address, like name@example.com.' }))
  .transform((e) => e.toLowerCase());

// Checked even when other fields failed, so every message shows at once.
const passwordsMatch: [(v: { password: string; password_confirm: string }) => boolean, { path: string[]; message: string; when: (p: { value: unknown }) => boolean }] = [
  (v) => v.password === v.password_confirm,
  {
    path: ['password_confirm'],
    message: 'The passwords do not match.',
    when: (payload: { value: unknown }) => {
      const v = payload.value as Record<string, unknown> | undefined;
      return typeof v?.password === 'string' && typeof v.password_confirm === 'string';
    },
  },
];

export const registerSchema = z
  .object({
    name: z.string({ message: 'Enter your name.' }).trim().min(1, 'Enter your name.').max(100, 'Use at most 100 characters.'),
    email,
    password: newPassword,
    password_confirm: z.string({ message: 'Repeat the password.' }),
  })
  .refine(...passwordsMatch);

/**
 * The login email as the database compares it. The column's collation ignores case and accents,
 * so "ádmin@…" finds "admin@…"; folding here makes every such spelling one limiter key. Accounts
 * are registered with ASCII addresses only, so anything still not ASCII after folding matches none.
 */
export function foldLoginEmail(e: string): string {
  return e.toLowerCase().normalize('NFKD').replace(/\p{M}/gu, '');
}

export const loginSchema = z.object({
  email: z
    .string({ message: 'Enter your email address.' })
    .trim()
    .min(1, 'Enter your email address.')
    .max(254, 'Use an email address of at most 254 characters.')
    .transform(foldLoginEmail)
    .refine((e) => /^[\x21-\x7e]{1,254}$/.test(e), 'Enter a valid email address, like name@example.com.'),
  password: z.string({ message: 'Enter your password.' }).min(1, 'Enter your password.').max(1024, 'The password is too long.'),
});

export const changePasswordSchema = z
  .object({
    current_password: z.string({ message: 'Enter your current password.' }).min(1, 'Enter your current password.').max(1024),
    password: newPassword,
    password_confirm: z.string({ message: 'Repeat the new password.' }),
  })
  .refine(...passwordsMatch);

/** An administrator's choice of role for an account. */
export const roleSchema = z.object({ role: z.enum(['user', 'admin'], { message: 'Choose a role.' }) });
