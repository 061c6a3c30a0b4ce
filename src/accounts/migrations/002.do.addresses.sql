-- The shopper's address book (issue 13): up to 5 shipping addresses per account, one of them the
-- default. A purchase keeps its own copy of the address it ships to (orders' table), so editing or
-- deleting an address here never changes an old purchase.
CREATE TABLE addresses (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  user_id INT UNSIGNED NOT NULL,
  recipient VARCHAR(100) NOT NULL,
  line1 VARCHAR(120) NOT NULL,
  line2 VARCHAR(120) NOT NULL DEFAULT '',
  city VARCHAR(80) NOT NULL,
  region VARCHAR(80) NOT NULL,
  postal_code VARCHAR(12) NOT NULL DEFAULT '',
  country CHAR(2) NOT NULL,                  -- ISO 3166-1 alpha-2, from the form's list
  phone VARCHAR(20) NOT NULL,
  is_default TINYINT(1) NOT NULL DEFAULT 0,
  -- user_id on the default address, NULL on the others: the unique key allows one default per account.
  default_of INT UNSIGNED AS (IF(is_default = 1, user_id, NULL)) STORED,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_addresses_user (user_id, id),
  UNIQUE KEY uq_addresses_default (default_of),
  CONSTRAINT fk_addresses_user FOREIGN KEY (user_id) REFERENCES users (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
