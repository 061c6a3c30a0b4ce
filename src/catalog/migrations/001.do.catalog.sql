-- Catalog's tables as they stand after the shared history (src/db/migrations 001-008). On a database
-- made before the split they already exist and IF NOT EXISTS leaves them alone; on a new database
-- (the monolith's, or the catalog service's own) this creates them. Later changes are new files here.

-- Books offered by sellers. Money is integer cents; stock can never go below zero. seller_id is an
-- account id (no foreign key: accounts may live in another database); seller_name is copied from
-- the account when the book is listed, so pages never read users.
CREATE TABLE IF NOT EXISTS books (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  seller_id INT UNSIGNED NOT NULL,
  seller_name VARCHAR(100) NOT NULL DEFAULT '',
  title VARCHAR(200) NOT NULL,
  author VARCHAR(120) NOT NULL,
  isbn VARCHAR(13) NULL,                   -- normalised: digits (and a final X for ISBN-10)
  description TEXT NOT NULL,
  book_condition ENUM('as_new', 'fine', 'very_good', 'good', 'fair', 'poor') NOT NULL,
  price_cents INT UNSIGNED NOT NULL,
  stock INT NOT NULL DEFAULT 0,
  cover_key VARCHAR(64) NULL,              -- random name of the cover files under UPLOAD_DIR
  listed TINYINT(1) NOT NULL DEFAULT 1,
  created_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
  updated_at DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP ON UPDATE CURRENT_TIMESTAMP,
  PRIMARY KEY (id),
  KEY idx_books_seller (seller_id, created_at),
  KEY idx_books_isbn (isbn),
  -- Each browse order has an index that starts with `listed` and carries the filter columns, so
  -- the id-only page query is answered from the index alone. Newest-first reads its index forwards
  -- (descending keys; MySQL 8 and MariaDB 10.8+).
  KEY idx_books_price (listed, price_cents, id, stock, book_condition),
  KEY idx_books_title (listed, title, id),
  KEY idx_books_author (listed, author),
  KEY idx_books_newest (listed, created_at DESC, id DESC),
  KEY idx_books_newest_filters (listed, created_at DESC, id DESC, stock, price_cents, book_condition),
  FULLTEXT KEY ft_books_text (title, author, description),
  CONSTRAINT chk_books_stock CHECK (stock >= 0 AND stock <= 10000),
  CONSTRAINT chk_books_price CHECK (price_cents > 0 AND price_cents <= 100000000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Stock reservations: other features take stock only through them (reserve, commit, release).
CREATE TABLE IF NOT EXISTS book_reservations (
  id INT UNSIGNED NOT NULL AUTO_INCREMENT,
  reservation_key VARCHAR(100) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL, -- chosen by the caller
  state VARCHAR(10) NOT NULL DEFAULT 'held',
  hold_until DATETIME NOT NULL,            -- a held reservation not committed by then is released
  created_at DATETIME NOT NULL,
  committed_at DATETIME NULL,
  released_at DATETIME NULL,
  PRIMARY KEY (id),
  UNIQUE KEY uq_book_reservations_key (reservation_key),
  KEY idx_book_reservations_hold (state, hold_until),
  CONSTRAINT chk_book_reservations_state CHECK (state IN ('held', 'committed', 'released'))
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What each reservation took, with the book as it was then (the answer a repeated reserve gets).
CREATE TABLE IF NOT EXISTS book_reservation_items (
  reservation_id INT UNSIGNED NOT NULL,
  book_id INT UNSIGNED NOT NULL,
  quantity INT UNSIGNED NOT NULL,
  title VARCHAR(200) NOT NULL,
  author VARCHAR(120) NOT NULL,
  seller_id INT UNSIGNED NOT NULL,
  seller_name VARCHAR(100) NOT NULL,
  unit_price_cents INT UNSIGNED NOT NULL,
  PRIMARY KEY (reservation_id, book_id),
  KEY idx_book_reservation_items_book (book_id),
  CONSTRAINT fk_book_reservation_items_reservation FOREIGN KEY (reservation_id) REFERENCES book_reservations (id),
  CONSTRAINT chk_book_reservation_items_quantity CHECK (quantity BETWEEN 1 AND 10000)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
