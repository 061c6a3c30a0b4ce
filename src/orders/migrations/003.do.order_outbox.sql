-- Orders' outbox (issue 26): the e-mails about purchases and sales, each written in the same
-- transaction as the change it reports. Same shape as every outbox (src/mail/outbox.ts). Rows name
-- the account (recipient_user_id), not its address: the sender asks accounts for the address and the
-- language when it sends, so orders keeps no copy of either.
CREATE TABLE order_outbox (
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
  UNIQUE KEY uq_order_outbox_dedupe (dedupe_key),
  KEY idx_order_outbox_due (status, next_attempt_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
