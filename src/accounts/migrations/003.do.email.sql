-- E-mail (issue 26): the language e-mails are written in, whether the address is verified, the
-- one-time links of password reset and address verification, and accounts' outbox.
-- Accounts from before this change count as verified: they were made when nobody could be asked.
ALTER TABLE users
  ADD COLUMN lang CHAR(2) NOT NULL DEFAULT 'es' AFTER role,
  ADD COLUMN email_verified_at DATETIME NULL AFTER lang;
UPDATE users SET email_verified_at = created_at;

-- One-time links: only the SHA-256 of the 32 random bytes is kept. `email` is the address the link
-- was sent to (for a change of address, the new one: it becomes the account's when verified).
CREATE TABLE email_tokens (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id INT UNSIGNED NOT NULL,
  purpose ENUM('reset_password', 'verify_email') NOT NULL,
  token_hash BINARY(32) NOT NULL,
  email VARCHAR(254) NOT NULL,
  expires_at DATETIME NOT NULL,
  used_at DATETIME NULL,
  voided_at DATETIME NULL,                 -- a newer link of the same purpose was sent
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_email_tokens_hash (token_hash),
  KEY idx_email_tokens_user (user_id, purpose),
  CONSTRAINT fk_email_tokens_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Accounts' outbox (the shape every outbox has: src/mail/outbox.ts). A row is written in the same
-- transaction as the change it reports; the sender job claims due rows by compare-and-set.
-- dedupe_key is the SHA-256 of (event, subject id, recipient): the same e-mail is never queued twice.
-- data (the template's parameters; a link's token sealed, see link-seal.ts) is cleared once sent or given up.
CREATE TABLE account_outbox (
  id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  dedupe_key CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  recipient VARCHAR(254) NULL,             -- the address, or NULL: the account's address and language
  recipient_user_id INT UNSIGNED NULL,     -- when sent (asked of accounts then; orders' e-mails)
  lang CHAR(2) NULL,
  template VARCHAR(40) NOT NULL,
  data TEXT NULL,
  status ENUM('pending', 'sent', 'failed') NOT NULL DEFAULT 'pending',
  attempts SMALLINT UNSIGNED NOT NULL DEFAULT 0,
  next_attempt_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  claimed_by CHAR(32) CHARACTER SET ascii NULL,
  lease_until DATETIME(3) NULL,
  last_error VARCHAR(255) NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  sent_at DATETIME(3) NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_account_outbox_dedupe (dedupe_key),
  KEY idx_account_outbox_due (status, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
