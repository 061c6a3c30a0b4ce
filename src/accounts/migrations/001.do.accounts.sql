-- Accounts' tables as they stand after the shared history (src/db/migrations 001-008). On a database
-- made before the split they already exist and IF NOT EXISTS leaves them alone; on a new database
-- (the monolith's, or the auth service's own) this creates them. Later changes are new files here.

CREATE TABLE IF NOT EXISTS users (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  name VARCHAR(100) NOT NULL,
  email VARCHAR(254) NOT NULL,            -- stored lower-cased: unique regardless of case
  password_hash CHAR(60) NOT NULL,
  role ENUM('user', 'admin') NOT NULL DEFAULT 'user',
  session_version INT UNSIGNED NOT NULL DEFAULT 1, -- bumped to end every session of the account
  disabled_at DATETIME NULL,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  UNIQUE KEY uq_users_email (email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The table express-mysql-session expects (its own schema.sql), created here so that
-- the app never issues DDL at run time.
CREATE TABLE IF NOT EXISTS sessions (
  session_id VARCHAR(128) COLLATE utf8mb4_bin NOT NULL,
  expires INT UNSIGNED NOT NULL,
  data MEDIUMTEXT COLLATE utf8mb4_bin,
  PRIMARY KEY (session_id),
  KEY idx_sessions_expires (expires)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- rate-limiter-flexible's RateLimiterMySQL table: failed logins per email+IP.
CREATE TABLE IF NOT EXISTS login_limits (
  `key` VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
  points INT NOT NULL DEFAULT 0,
  expire BIGINT UNSIGNED,
  PRIMARY KEY (`key`)
) ENGINE=InnoDB;
